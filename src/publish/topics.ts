/**
 * Pure MQTT topic and payload builders. Topic layout (documented in the README contract):
 *   <prefix>/<station>/status     retained 'online' | 'offline' (Last-Will), QoS 1
 *   <prefix>/<station>/result     one JSON per inspection, QoS 1 via the outbox
 *   <prefix>/<station>/alert      one JSON per reject or error, QoS 1 via the outbox
 *   <prefix>/<station>/stats      periodic StatsSnapshot, QoS 0
 *   <prefix>/<station>/fault      camera/model faults, QoS 1
 *   <prefix>/<station>/label      one JSON per operator label (review queue), QoS 1 via the outbox (labelTopic.ts)
 *   <prefix>/<station>/set/<name> commands in; answers on <prefix>/<station>/response
 */
import { InspectdError } from '../platform/index.js';
import type { InspectionResult, Verdict } from '../domain/index.js';
import type { OutboxMessage } from '../store/index.js';
import type { ErrorCode } from '../platform/index.js';

export type EventTopic = 'status' | 'result' | 'alert' | 'stats' | 'fault' | 'response' | 'label';

/** Command names are one topic level: lowercase words, digits, '-' and '_'. */
const NAME = /^[a-z0-9][a-z0-9_-]*$/;

/**
 * Refuse prefixes/stations that would break the topic tree: wildcards, empty levels, leading or
 * trailing '/', NUL. Called once at config time so builders below can stay cheap.
 */
export function checkTopicParts(prefix: string, station: string): void {
  const bad = (s: string) => s.length === 0 || /[+#\u0000]/.test(s) || s.startsWith('/') || s.endsWith('/') || s.includes('//');
  if (bad(prefix)) throw new InspectdError('MQTT_TOPIC', `invalid topic prefix ${JSON.stringify(prefix)}`, { prefix });
  if (bad(station) || station.includes('/')) throw new InspectdError('MQTT_TOPIC', `invalid station id for MQTT ${JSON.stringify(station)}`, { station });
}

export function topicFor(prefix: string, station: string, kind: EventTopic): string {
  return `${prefix}/${station}/${kind}`;
}

export function commandTopic(prefix: string, station: string, name: string): string {
  if (!NAME.test(name)) throw new InspectdError('MQTT_TOPIC', `invalid command name ${JSON.stringify(name)}`, { name });
  return `${prefix}/${station}/set/${name}`;
}

/** Subscription filter for every command of this station. */
export function commandFilter(prefix: string, station: string): string {
  return `${prefix}/${station}/set/+`;
}

/**
 * The command name of a topic under this station's `set/`, or null. Any one non-empty level is a
 * name here, so `set/toString` gets an "unknown command" answer rather than silence; the command
 * handler alone decides what is known.
 */
export function parseCommandTopic(prefix: string, station: string, topic: string): string | null {
  const head = `${prefix}/${station}/set/`;
  if (!topic.startsWith(head)) return null;
  const name = topic.slice(head.length);
  return name !== '' && !name.includes('/') ? name : null;
}

/** Body of `result` and `alert`. Never image bytes: the saved image's path (relative to storage.images) and, with the dashboard on, its URL. */
export interface ResultPayload {
  station: string;
  seq: number;
  ts: number;
  /** The decision score (compared with `threshold`); null when not inspected. */
  score: number | null;
  score_rule: string;
  /** Mean SSIM frame vs reconstruction, only when computed (see InspectionResult.ssim). Before 0.2 this key held the score. */
  ssim: number | null;
  threshold: number;
  verdict: Verdict;
  latency_ms: number;
  source: string;
  image_path: string | null;
  /** `<dashboard>/images/<image_path>` when HTTP is on and the image was saved, else null. */
  image_url: string | null;
  stages: { preprocess_ms: number; infer_ms: number; score_ms: number };
  error?: { code: ErrorCode; message: string };
}

/** Turns a saved image's relative path into its URL (null: no dashboard serving it). */
export type ImageUrl = (path: string | null | undefined) => string | null;

export function resultPayload(r: InspectionResult, imageUrl: ImageUrl = () => null): ResultPayload {
  const p: ResultPayload = {
    station: r.station,
    seq: r.seq,
    ts: r.ts,
    score: r.score,
    score_rule: r.score_rule,
    ssim: r.ssim,
    threshold: r.threshold,
    verdict: r.verdict,
    latency_ms: r.latency_ms,
    source: r.source,
    image_path: r.image_path ?? null,
    image_url: imageUrl(r.image_path),
    stages: r.stages,
  };
  if (r.error) p.error = { code: r.error.code, message: r.error.message };
  return p;
}

/**
 * The store's `topicsFor`: a `result` for every inspection and an `alert` for every reject or
 * error, QoS 1, not retained (a retained result would replay an old part to every new subscriber).
 */
export function outboxTopics(prefix: string, imageUrl?: ImageUrl): (r: InspectionResult) => OutboxMessage[] {
  return (r) => {
    const payload = JSON.stringify(resultPayload(r, imageUrl));
    const out: OutboxMessage[] = [{ topic: topicFor(prefix, r.station, 'result'), payload, qos: 1, retain: false }];
    if (r.verdict !== 'pass') out.push({ topic: topicFor(prefix, r.station, 'alert'), payload, qos: 1, retain: false });
    return out;
  };
}

export type CommandRequest = { id: unknown; body: Record<string, unknown> };

/**
 * Parse a command payload. Objects pass through; a bare JSON value v becomes { value: v }
 * (so `set/threshold` ← `0.42` works); an empty payload is {}. The transaction id is `id`.
 */
export function parseCommandPayload(payload: Buffer | string): { ok: true; req: CommandRequest } | { ok: false; error: string } {
  const text = payload.toString().trim();
  if (text === '') return { ok: true, req: { id: null, body: {} } };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `invalid JSON: ${(err as Error).message}` };
  }
  const body = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  const id = body.id ?? null;
  return { ok: true, req: { id, body } };
}
