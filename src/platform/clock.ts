/**
 * Time as the PLC signalling sees it. Injected so tests drive pulses, deadlines and the heartbeat
 * with a fake clock and assert exact timings; production uses performance.now() (the same
 * monotonic clock as Frame.capturedAt) and Node's timers.
 */
export type TimerHandle = unknown;

export interface Clock {
  /** Monotonic ms, same base as Frame.capturedAt. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};
