import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../platform/index.js';
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
  /** Restart delay after gpiomon dies. */
  restartMs?: number;
  log: Logger;
  onFault?: FaultListener;
  now?: () => number;
}

/**
 * Photo-eye input through a long-lived gpiomon. Each edge is stamped when its line arrives on the
 * pipe (monotonic clock, same as frames); the kernel timestamp is not used because its clock
 * (realtime vs monotonic) differs between kernels and uAPI versions.
 */
export function createGpiomonTrigger(o: GpiomonTriggerOptions): TriggerInput {
  const tools = { ...DEFAULT_TOOLS, ...o.tools };
  const now = o.now ?? (() => performance.now());
  let proc: ChildProcess | null = null;
  let stopped = false;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;

  async function run(onEdge: (t: number) => void, args: string[]): Promise<void> {
    if (stopped) return;
    const cp = spawn(tools.gpiomon, args, { stdio: ['ignore', 'pipe', 'pipe'], env: o.env });
    proc = cp;
    let buf = '';
    let err = '';
    cp.stdout!.setEncoding('utf8');
    cp.stdout!.on('data', (s: string) => {
      const t = now();
      buf += s;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line) onEdge(t);
      }
    });
    cp.stderr!.setEncoding('utf8');
    cp.stderr!.on('data', (s: string) => (err = (err + s).slice(-500)));
    cp.once('error', (e) => o.log.error({ err: e.message }, 'gpiomon failed to start'));
    cp.once('close', (code, signal) => {
      proc = null;
      if (stopped) return;
      const message = `gpiomon exited (${signal ?? `code ${code}`}) ${err.trim()}`.trim();
      o.log.error({ code: 'GPIO_TRIGGER_LOST' }, message);
      o.onFault?.({ code: 'GPIO_TRIGGER_LOST', message, fatal: false });
      restartTimer = setTimeout(() => void run(onEdge, args), o.restartMs ?? 1000);
    });
  }

  return {
    async start(onEdge) {
      const info = await probeGpiod(tools, o.env);
      const chip = resolveChip(o.chip, await detectChips(tools, o.env));
      await run(onEdge, gpiomonArgs(info.major, chip.name, o.offset, o.edge, !!o.activeLow));
      o.log.info({ chip: `${chip.name} [${chip.label}]`, offset: o.offset, edge: o.edge }, 'trigger input armed');
    },
    async stop() {
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      const cp = proc;
      if (!cp) return;
      await new Promise<void>((resolve) => {
        cp.once('close', () => resolve());
        cp.kill('SIGTERM');
      });
    },
  };
}
