/** The publish stage's door: MQTT topics, the outbox pump's publisher and the command protocol. */
import type { Publisher, PublisherOptions } from './types.js';

export { labelTopics } from './labelTopic.js';
export { outboxTopics } from './topics.js';
export type { CommandHandler, CommandResult, Publisher, PublisherOptions } from './types.js';

/** Connects the MQTT publisher. mqtt loads here, only when a broker is configured. */
export async function openPublisher(opts: PublisherOptions): Promise<Publisher> {
  const { openPublisher: open } = await import('./mqtt.js');
  return open(opts);
}
