import { spawn, type ChildProcess } from 'node:child_process';
import { InspectdError, errorMessage } from '../platform/index.js';
import type { Logger } from '../platform/index.js';

/**
 * The processes that hold GPIO lines for the libgpiod adapter (gpiod.ts): one holder per line
 * (1.x, or 2.x without -i) or one interactive `gpioset -i` per chip and polarity (2.x).
 * A holder that exits while it should hold its lines is reported through `lost`; the adapter
 * decides whether to request them again (open(levels)) or give up.
 */

/** Line levels a holder starts with, by offset (0 where absent): the adapter's known state. */
export type Levels = ReadonlyMap<number, 0 | 1>;

/** Arguments for a process holding one line at `value` until SIGTERM. Pure. */
export function holderArgs(major: number, chip: string, offset: number, value: 0 | 1, activeLow: boolean, consumer: string): string[] {
  if (major < 2) return ['--mode=signal', ...(activeLow ? ['--active-low'] : []), chip, `${offset}=${value}`];
  return ['-c', chip, '-C', consumer, ...(activeLow ? ['--active-low'] : []), `${offset}=${value}`];
}

/** Arguments for a 2.x interactive gpioset holding `offsets` at `levels` (default 0). Pure. */
export function interactiveArgs(chip: string, offsets: number[], activeLow: boolean, consumer: string, levels?: Levels): string[] {
  return ['-i', '-c', chip, '-C', consumer, ...(activeLow ? ['--active-low'] : []), ...offsets.map((o) => `${o}=${levels?.get(o) ?? 0}`)];
}

export interface LineDriver {
  /** Request the lines at `levels` (all 0 at start); again after a loss, at the known state. */
  open(levels?: Levels): Promise<void>;
  set(offset: number, value: 0 | 1): Promise<void>;
  close(): Promise<void>;
}

function killAndWait(cp: ChildProcess, graceMs = 1000): Promise<void> {
  return new Promise((resolve) => {
    if (cp.exitCode !== null || cp.signalCode !== null) return resolve();
    const hard = setTimeout(() => cp.kill('SIGKILL'), graceMs);
    cp.once('close', () => {
      clearTimeout(hard);
      resolve();
    });
    cp.kill('SIGTERM');
  });
}

function collectStderr(cp: ChildProcess): () => string {
  let text = '';
  cp.stderr?.setEncoding('utf8');
  cp.stderr?.on('data', (s: string) => {
    text = (text + s).slice(-2000);
  });
  return () => text.trim();
}

/** One process per line, restarted with the new value on every change (1.x, or 2.x without -i). */
export class RespawnLine implements LineDriver {
  private proc: ChildProcess | null = null;
  private closing = false;
  private spawnedAt = 0;

  constructor(
    private readonly o: { gpioset: string; major: number; chip: string; offset: number; activeLow: boolean; consumer: string; env?: Record<string, string | undefined>; settleMs: number; minHoldMs: number; log: Logger; lost: (msg: string) => void },
  ) {}

  open(levels?: Levels): Promise<void> {
    this.closing = false;
    return this.spawnHolder(levels?.get(this.o.offset) ?? 0, true);
  }

  async set(_offset: number, value: 0 | 1): Promise<void> {
    if (this.proc) {
      // 1.x gpioset says nothing once the line is set: give each holder minHoldMs to get there,
      // so a short strobe is stretched rather than lost.
      const young = this.o.minHoldMs - (performance.now() - this.spawnedAt);
      if (young > 0) await new Promise((r) => setTimeout(r, young));
      const old = this.proc;
      this.proc = null;
      if (old) await killAndWait(old);
    }
    await this.spawnHolder(value, false);
  }

  async close(): Promise<void> {
    this.closing = true;
    // Let the safe-state holder actually set the line before releasing it.
    const young = this.o.minHoldMs - (performance.now() - this.spawnedAt);
    if (this.proc && young > 0) await new Promise((r) => setTimeout(r, young));
    if (this.proc) await killAndWait(this.proc);
    this.proc = null;
  }

  private spawnHolder(value: 0 | 1, verify: boolean): Promise<void> {
    const o = this.o;
    const args = holderArgs(o.major, o.chip, o.offset, value, o.activeLow, o.consumer);
    const cp = spawn(o.gpioset, args, { stdio: ['ignore', 'ignore', 'pipe'], env: o.env });
    const stderr = collectStderr(cp);
    this.proc = cp;
    this.spawnedAt = performance.now();
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (why: string) => {
        const err = new InspectdError('GPIO_WRITE', `gpioset ${args.join(' ')}: ${why} ${stderr()}`.trim(), { chip: o.chip, offset: o.offset });
        if (!settled) {
          settled = true;
          reject(err);
        } else if (!this.closing && this.proc === cp) o.lost(err.message);
      };
      cp.once('error', (err) => fail(errorMessage(err)));
      cp.once('exit', (code, signal) => {
        fail(`exited (${signal ?? `code ${code}`})`);
        if (this.proc === cp) this.proc = null;
      });
      cp.once('spawn', () => {
        if (!verify) {
          settled = true;
          return resolve();
        }
        setTimeout(() => {
          if (settled) return;
          settled = true;
          resolve();
        }, o.settleMs);
      });
    });
  }
}

/** 2.x `gpioset -i`: lines held by one process, changed by commands on its stdin. */
export class InteractiveGroup implements LineDriver {
  private proc: ChildProcess | null = null;
  private acks: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private closing = false;
  private stderr: () => string = () => '';

  constructor(
    private readonly o: { gpioset: string; chip: string; offsets: number[]; activeLow: boolean; consumer: string; env?: Record<string, string | undefined>; log: Logger; lost: (msg: string) => void },
  ) {}

  open(levels?: Levels): Promise<void> {
    const o = this.o;
    this.closing = false;
    const args = interactiveArgs(o.chip, o.offsets, o.activeLow, o.consumer, levels);
    const cp = spawn(o.gpioset, args, { stdio: ['pipe', 'pipe', 'pipe'], env: o.env });
    this.proc = cp;
    this.stderr = collectStderr(cp);
    cp.stdin!.on('error', () => {}); // EPIPE after an exit is reported through 'exit'
    return new Promise((resolve, reject) => {
      let ready = false;
      let buf = '';
      cp.stdout!.setEncoding('utf8');
      cp.stdout!.on('data', (s: string) => {
        buf += s;
        // Every prompt means the previous command was applied (the first one: lines requested).
        let i: number;
        while ((i = buf.indexOf('gpioset> ')) >= 0) {
          const before = buf.slice(0, i).trim();
          buf = buf.slice(i + 9);
          if (before) o.log.warn({ chip: o.chip, output: before }, 'gpioset said');
          if (!ready) {
            ready = true;
            resolve();
          } else this.acks.shift()?.resolve();
        }
      });
      cp.once('error', (err) => {
        if (!ready) reject(new InspectdError('GPIO_OPEN', `cannot start ${o.gpioset}: ${err.message}`, { chip: o.chip }));
      });
      cp.once('exit', (code, signal) => {
        const msg = `gpioset -i on ${o.chip} exited (${signal ?? `code ${code}`}) ${this.stderr()}`.trim();
        this.proc = null;
        for (const a of this.acks.splice(0)) a.reject(new InspectdError('GPIO_WRITE', msg, { chip: o.chip }));
        if (!ready) reject(new InspectdError('GPIO_OPEN', msg, { chip: o.chip, offsets: o.offsets }));
        else if (!this.closing) o.lost(msg);
      });
    });
  }

  set(offset: number, value: 0 | 1): Promise<void> {
    const cp = this.proc;
    if (!cp) return Promise.reject(new InspectdError('GPIO_WRITE', `gpioset -i on ${this.o.chip} is not running`, { chip: this.o.chip, offset }));
    return new Promise((resolve, reject) => {
      this.acks.push({ resolve, reject });
      cp.stdin!.write(`set ${offset}=${value}\n`);
    });
  }

  async close(): Promise<void> {
    const cp = this.proc;
    if (!cp) return;
    this.closing = true;
    const exited = new Promise<void>((resolve) => cp.once('close', () => resolve()));
    cp.stdin!.write(`set ${this.o.offsets.map((o) => `${o}=0`).join(' ')}\nexit\n`);
    cp.stdin!.end();
    const t = setTimeout(() => void killAndWait(cp), 1000);
    await exited;
    clearTimeout(t);
    this.proc = null;
  }
}
