/**
 * Waiting on something a real process does (a child exited, a row was committed, a message
 * arrived): poll the observable condition every 20 ms instead of sleeping a guessed time, so a
 * fast machine does not wait and a slow one does not flake.
 */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `cond` until true; throws with `what` after `timeoutMs` (a liveness bound, not a timing assertion). */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await sleep(20);
  }
}
