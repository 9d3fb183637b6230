/** One message the store queues for MQTT in the same transaction as its inspection row. */
export interface OutboxMessage {
  topic: string;
  /** UTF-8 text (JSON). Never image bytes: events link to saved images by path. */
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
}
