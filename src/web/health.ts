/** /healthz, pure: a station is healthy while frames keep being decided and recorded. */

export interface HealthInput {
  /** performance.now() at the check. */
  now: number;
  /** performance.now() of the last decision, null before the first. */
  lastDecisionAt: number | null;
  /** performance.now() when the web surface started (the grace period before the first frame). */
  startedAt: number;
  stallS: number;
  paused: boolean;
  /** The store's last write error while its writes keep failing, else null. */
  storeFailing?: string | null;
}

export interface Health {
  ok: boolean;
  /** Seconds since the last decision, null before the first. */
  last_decision_age_s: number | null;
  stall_s: number;
  reason?: string;
}

export function healthOf(h: HealthInput): Health {
  const stallMs = h.stallS * 1000;
  const age = h.lastDecisionAt === null ? null : Math.max(0, h.now - h.lastDecisionAt);
  const base = { last_decision_age_s: age === null ? null : Math.round(age) / 1000, stall_s: h.stallS };
  // Still deciding, but the record is falling behind and rows will be lost: not healthy.
  if (h.storeFailing) return { ok: false, ...base, reason: `database writes keep failing (${h.storeFailing})` };
  // A paused station decides nothing on purpose, but it is not inspecting parts either: say so.
  if (h.paused) return { ok: false, ...base, reason: 'paused by an operator' };
  if (age === null) {
    return h.now - h.startedAt <= stallMs
      ? { ok: false, ...base, reason: 'starting: no frame decided yet' }
      : { ok: false, ...base, reason: `no frame decided in the ${h.stallS} s since start` };
  }
  if (age > stallMs) return { ok: false, ...base, reason: `no frame decided for ${(age / 1000).toFixed(1)} s (stall_s ${h.stallS})` };
  return { ok: true, ...base };
}
