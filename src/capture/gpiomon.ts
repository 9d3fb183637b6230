import { spawn, type ChildProcess } from 'node:child_process';
import { errorMessage, systemClock, type Clock, type Logger, type TimerHandle } from '../platform/index.js';
import type { TriggerInput } from './trigger.js';
import { DEFAULT_TOOLS, detectChips, probeGpiod, resolveChip, type GpiodTools } from '../platform/index.js';
import type { FaultListener } from '../domain/index.js';

/** Arguments for gpiomon printing one line per edge, unbuffered. Pure. */
export function gpiomonArgs(major: number, chip: string, offset: number, edge: 'rising' | 'falling', activeLow: boolean): string[] {
  if (major < 2) {
    // -b: line-buffered stdout, or edges would sit in stdio's pipe buffer.
    return ['-b', ...(activeLow ? ['-l'] : []), edge === 'rising' ? '-r' : '-f', '-F', '%e %o %s.%n', chip, String(offset)];
  }
  return ['-c', chip, ...(activeLow ? ['--active-low'] : []), '-e', edge, '-F', '%e %o %S', String(offset)];
}

export interface GpiomonTriggerOptions {
  chip: string;
  offset: number;
  edge: 'rising' | 'falling';
  activeLow?: boolean;
  tools?: Partial<GpiodTools>;
  env?: Record<string, string | undefined>;
  /** Restart delay after gpiomon dies: initialMs, doubling per consecutive death, capped at maxMs
   *  (the camera's back-off, README "Camera"). */
  backoff?: { initialMs: number; maxMs: number };
  /** Consecutive deaths tolerated; one more is a fatal GPIO_TRIGGER_LOST (ready drops, exit 1). */
  maxRestarts?: number;
  /** A gpiomon up this long without dying (or one that delivered an edge) counts as healthy again. */
  stableMs?: number;
  log: Logger;
  onFault?: FaultListener;
  /** Edge stamps, restart back-off, the health timer. Default the system clock. */
  clock?: Clock;
}

export const GPIOMON_BACKOFF = { initialMs: 500, maxMs: 30_000 } as const;

/**
 * Photo-eye input through a long-lived gpiomon. Each edge is stamped when its line arrives on the
 * pipe (monotonic clock, same as frames); the kernel timestamp is not used because its clock
 * (realtime vs monotonic) differs between kernels and uAPI versions.
 */
export function createGpiomonTrigger(o: GpiomonTriggerOptions): TriggerInput {
  const tools = { ...DEFAULT_TOOLS, ...o.tools };
  const clock = o.clock ?? systemClock;
  const backoff = o.backoff ?? GPIOMON_BACKOFF;
  const maxRestarts = o.maxRestarts ?? 10;
  const stableMs = o.stableMs ?? backoff.maxMs;
  let proc: ChildProcess | null = null;
  let stopped = false;
  /** Deaths since gpiomon was last healthy: sets the back-off, and past maxRestarts the fault is fatal. */
  let failures = 0;
  let restartTimer: TimerHandle | undefined;
  let stableTimer: TimerHandle | undefined;

  function fault(message: string, fatal: boolean): void {
    o.log.error({ code: 'GPIO_TRIGGER_LOST', failures }, message);
    try {
      o.onFault?.({ code: 'GPIO_TRIGGER_LOST', message, fatal });
    } catch (err) {
      o.log.error({ err: errorMessage(err) }, 'trigger fault listener threw');
    }
  }

  function run(onEdge: (t: number) => void, args: string[]): void {
    restartTimer = undefined;
    if (stopped) return;
    const cp = spawn(tools.gpiomon, args, { stdio: ['ignore', 'pipe', 'pipe'], env: o.env });
    proc = cp;
    stableTimer = clock.setTimeout(() => (failures = 0), stableMs);
    let buf = '';
    let err = '';
    cp.stdout!.setEncoding('utf8');
    cp.stdout!.on('data', (s: string) => {
      const t = clock.now();
      buf += s;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (!line) continue;
        failures = 0; // an edge came through: the input works
        onEdge(t);
      }
    });
    cp.stderr!.setEncoding('utf8');
    cp.stderr!.on('data', (s: string) => (err = (err + s).slice(-500)));
    cp.once('error', (e) => (err = `${err} ${e.message}`.slice(-500)));
    // 'close' also follows a failed spawn (ENOENT: code -2), so a gpiomon that cannot start backs off too.
    cp.once('close', (code, signal) => {
      proc = null;
      if (stableTimer !== undefined) clock.clearTimeout(stableTimer);
      if (stopped) return;
      failures++;
      const why = `gpiomon exited (${signal ?? `code ${code}`}) ${err.trim()}`.trim();
      if (failures > maxRestarts) {
        // The photo-eye is gone: parts would pass uninspected. Fatal, so ready drops and systemd restarts us.
        fault(`${why}; gave up after ${failures} deaths in a row`, true);
        return;
      }
      const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (failures - 1));
      fault(`${why}; restarting in ${delay} ms`, false);
      restartTimer = clock.setTimeout(() => run(onEdge, args), delay);
    });
  }

  return {
    async start(onEdge) {
      const info = await probeGpiod(tools, o.env);
      const chip = resolveChip(o.chip, await detectChips(tools, o.env));
      run(onEdge, gpiomonArgs(info.major, chip.name, o.offset, o.edge, !!o.activeLow));
      o.log.info({ chip: `${chip.name} [${chip.label}]`, offset: o.offset, edge: o.edge }, 'trigger input armed');
    },
    async stop() {
      stopped = true;
      if (restartTimer !== undefined) clock.clearTimeout(restartTimer);
      if (stableTimer !== undefined) clock.clearTimeout(stableTimer);
      const cp = proc;
      if (!cp) return;
      await new Promise<void>((resolve) => {
        cp.once('close', () => resolve());
        cp.kill('SIGTERM');
      });
    },
  };
}
