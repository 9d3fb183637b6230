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

/**
 * Lets a background timer (a poll, a retry, a health check) not keep the process alive: Node's
 * timers, which systemClock hands out, are unref'd; any other handle (a fake clock's id) is left
 * as it is. Only for timers nothing awaits: a deadline someone waits on must keep the process up.
 */
export function unrefTimer(handle: TimerHandle): TimerHandle {
  (handle as { unref?: () => void } | null)?.unref?.();
  return handle;
}
