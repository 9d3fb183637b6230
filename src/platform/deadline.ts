import type { Clock } from './clock.js';

/**
 * Waits for `work` at most `ms` on `clock`: 'done' when it settled (fulfilled or rejected: the
 * caller observes its outcome elsewhere), 'timeout' when the deadline came first. The timer is
 * cleared either way so a finished wait never holds the event loop open.
 */
export async function settleWithin(work: Promise<unknown>, ms: number, clock: Clock): Promise<'done' | 'timeout'> {
  let timer: unknown;
  const late = new Promise<'timeout'>((resolve) => (timer = clock.setTimeout(() => resolve('timeout'), ms)));
  try {
    return await Promise.race([work.then(() => 'done' as const, () => 'done' as const), late]);
  } finally {
    clock.clearTimeout(timer);
  }
}
