import { errorMessage, systemClock, type Clock, type TimerHandle } from '../platform/index.js';
import { parseCommandPayload } from './topics.js';
import type { CommandHandler } from './types.js';

export interface CommandResponse {
  /** The request's `id` (transaction id), null when it had none or was not JSON. */
  id: unknown;
  command: string;
  ok: boolean;
  error?: string;
  ts: number;
  [key: string]: unknown;
}

/**
 * Turn one `set/<name>` message into its response. Never throws: bad JSON, a missing handler,
 * a handler that throws or hangs all become `{ ok: false, error }`.
 */
export async function answerCommand(
  name: string,
  payload: Buffer,
  handler: CommandHandler | undefined,
  timeoutMs: number,
  /** `clock` runs the timeout; `wallNow` stamps the response (ts, wall-clock ms). */
  time: { clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'>; wallNow?: () => number } = {},
): Promise<CommandResponse> {
  const clock = time.clock ?? systemClock;
  const now = time.wallNow ?? Date.now;
  const parsed = parseCommandPayload(payload);
  if (!parsed.ok) return { id: null, command: name, ok: false, error: parsed.error, ts: now() };
  const { id, body } = parsed.req;
  if (!handler) return { id, command: name, ok: false, error: 'commands are not handled by this station', ts: now() };
  let timer: TimerHandle | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => reject(new Error(`command timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    const result = await Promise.race([Promise.resolve().then(() => handler(name, body)), timeout]);
    if (result === null || typeof result !== 'object' || typeof (result as { ok?: unknown }).ok !== 'boolean') {
      return { id, command: name, ok: false, error: 'command handler returned no result', ts: now() };
    }
    // The handler's fields first, so it cannot overwrite the echoed id or the command name.
    return { ...result, id, command: name, ts: now() };
  } catch (err) {
    return { id, command: name, ok: false, error: errorMessage(err), ts: now() };
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
  }
}
