import type { Clock } from '../platform/index.js';

/** Slack on top of travel + pulse for the drain at close: Node timers are not hard real time. */
export const DRAIN_SLACK_MS = 250;

/**
 * The longest a stop keeps the PLC outputs open for what is already scheduled: a part decided
 * (or due for its fail-safe deadline) just before the stop pulses at capture + travel for
 * pulse_ms, with its result-valid strobe; the slack absorbs late timers.
 */
export function drainBoundMs(o: { travelMs: number; pulseMs: number; strobeMs?: number }): number {
  return o.travelMs + o.pulseMs + 2 * (o.strobeMs ?? 10) + DRAIN_SLACK_MS;
}

/**
 * Resolves once `idle()` holds when poked (the owner pokes after every event that may finish
 * the work), or when the bound passes on `clock`, whichever is first. Leaves no timer behind.
 */
export function drainUntil(clock: Clock, boundMs: number, idle: () => boolean): { poke: () => void; done: Promise<void> } {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    let over = false;
    const bound = clock.setTimeout(() => finish(), boundMs);
    finish = () => {
      if (over) return;
      over = true;
      clock.clearTimeout(bound);
      resolve();
    };
  });
  const poke = () => {
    if (idle()) finish();
  };
  poke();
  return { poke, done };
}
