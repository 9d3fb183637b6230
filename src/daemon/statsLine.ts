import type { StatsSnapshot } from '../domain/index.js';

/** Per part, the counters that mean trouble when not 0 (and the flags that do when false). */
const TROUBLE: Record<string, { counters: string[]; healthy?: Record<string, boolean> }> = {
  camera: { counters: ['restarts', 'missing'] }, // its drops are the snapshot's `dropped`
  store: { counters: ['dropped', 'errors', 'write_failures', 'outbox_dropped', 'image_errors', 'outbox_pending'], healthy: { failing: false, images_paused: false } },
  mqtt: { counters: ['errors', 'pending', 'dropped', 'auth_failures'], healthy: { connected: true } },
  plc: { counters: ['late', 'lateDecisions', 'missed', 'failed', 'dropped', 'merged'], healthy: { ready: true } },
  model: { counters: ['failed', 'timeouts', 'crashes', 'restarts', 'dead'] },
};

/**
 * The periodic `stats` log line, short enough to read in `journalctl -f`: the interval's figures,
 * then per part only what is off (non-zero trouble counters, a flag not at its healthy value).
 * The full figures stay on MQTT (`stats`), /api/stats and /metrics; `full` (the last line, at
 * stop: the run's record in the journal) carries every part's counters.
 */
export function statsLine(snap: StatsSnapshot, parts: Record<string, object | undefined>, full = false): Record<string, unknown> {
  const { station: _s, ts: _t, ...figures } = snap;
  const line: Record<string, unknown> = { ...figures };
  for (const [name, st] of Object.entries(parts)) {
    const spec = TROUBLE[name];
    if (st && full) line[name] = st;
    if (!st || !spec || full) continue;
    const s = st as Record<string, unknown>;
    const off: Record<string, unknown> = {};
    for (const k of spec.counters) if (typeof s[k] === 'number' && s[k] !== 0) off[k] = s[k];
    for (const [k, good] of Object.entries(spec.healthy ?? {})) if (k in s && s[k] !== good) off[k] = s[k];
    if (Object.keys(off).length) line[name] = off;
  }
  return line;
}
