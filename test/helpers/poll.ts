/**
 * Waiting on something a real process does (a child exited, a row was committed, a message
 * arrived): poll the observable condition every 20 ms instead of sleeping a guessed time, so a
 * fast machine does not wait and a slow one does not flake.
 */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const POLL_MS = 20;

/** Poll `cond` until true; throws with `what` after `timeoutMs` (a liveness bound, not a timing assertion). */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  if (!(await settles(cond, timeoutMs))) throw new Error(`timed out waiting for: ${what}`);
}

/**
 * Poll `cond` until true or `timeoutMs`; says which. For a beforeAll that waits on deliveries
 * its tests then check one by one: on a timeout those assertions say what is missing, where a
 * throw would only say that something was.
 */
export async function settles(cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) return false;
    await sleep(POLL_MS);
  }
  return true;
}
