import { spawn, type ChildProcess } from 'node:child_process';
import { InspectdError, errorMessage } from '../errors.js';
import type { Logger } from '../capture/log.js';
import { DEFAULT_TOOLS, detectChips, probeGpiod, resolveChip, type GpiodTools } from './gpiodTools.js';
import type { GpioPort, OutputLine } from './types.js';

/**
 * GPIO through the libgpiod command-line tools (package `gpiod`), driven as long-lived processes,
 * because the line must stay requested for as long as we drive it (a released line "reverts to
 * default" — gpioset's own warning) and no maintained Node binding covers both libgpiod 1.x
 * (Debian 12) and 2.x (Debian 13), whose C APIs are incompatible.
 *
 * - 2.x built with interactive mode: one `gpioset -i` per chip and polarity; a change is one
 *   `set <offset>=<v>` line on its stdin, acknowledged by the next prompt (no process start).
 * - 1.x (and 2.x without -i): one holder process per line; a change restarts that line's holder
 *   (`gpioset --mode=signal` on 1.x) with the new value. Costs a process start per change and the
 *   line is briefly unrequested between holders: wire pull resistors to the safe level.
 */
export type GpiodDriverKind = 'auto' | 'v1' | 'v2-interactive' | 'v2-respawn';

export interface GpiodLineConfig {
  offset: number;
  active_low?: boolean;
}

export interface GpiodOptions {
  /** Chip label (pinctrl-rp1, tegra234-gpio …), or gpiochipN as a last resort. */
  chip: string;
  lines: Partial<Record<OutputLine, GpiodLineConfig>>;
  tools?: Partial<GpiodTools>;
  driver?: GpiodDriverKind;
  /** Consumer label shown by gpioinfo (2.x only; 1.x always shows 'gpioset'). */
  consumer?: string;
  /** Environment for the tools; default inherits. */
  env?: Record<string, string | undefined>;
  /** A holder that survives this long after start has claimed its line (1.x prints nothing on success). */
  settleMs?: number;
  /** Respawn drivers: the shortest time a value is held before the next change replaces its holder
   *  (pulses shorter than this are stretched to it, never lost). Default 20 ms. */
  minHoldMs?: number;
  log: Logger;
  /** Lost lines (a holder died, a write failed): the daemon treats these as fatal. */
  onFault?: (fault: { code: string; message: string; fatal: boolean }) => void;
}

/** Arguments for a process holding one line at `value` until SIGTERM. Pure. */
export function holderArgs(major: number, chip: string, offset: number, value: 0 | 1, activeLow: boolean, consumer: string): string[] {
  if (major < 2) return ['--mode=signal', ...(activeLow ? ['--active-low'] : []), chip, `${offset}=${value}`];
  return ['-c', chip, '-C', consumer, ...(activeLow ? ['--active-low'] : []), `${offset}=${value}`];
}

/** Arguments for a 2.x interactive gpioset holding `offsets` at 0. Pure. */
export function interactiveArgs(chip: string, offsets: number[], activeLow: boolean, consumer: string): string[] {
  return ['-i', '-c', chip, '-C', consumer, ...(activeLow ? ['--active-low'] : []), ...offsets.map((o) => `${o}=0`)];
}

interface LineDriver {
  open(): Promise<void>;
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
class RespawnLine implements LineDriver {
  private proc: ChildProcess | null = null;
  private closing = false;
  private spawnedAt = 0;

  constructor(
    private readonly o: { gpioset: string; major: number; chip: string; offset: number; activeLow: boolean; consumer: string; env?: Record<string, string | undefined>; settleMs: number; minHoldMs: number; log: Logger; lost: (msg: string) => void },
  ) {}

  open(): Promise<void> {
    return this.spawnHolder(0, true);
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
class InteractiveGroup implements LineDriver {
  private proc: ChildProcess | null = null;
  private acks: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private closing = false;
  private stderr: () => string = () => '';

  constructor(
    private readonly o: { gpioset: string; chip: string; offsets: number[]; activeLow: boolean; consumer: string; env?: Record<string, string | undefined>; log: Logger; lost: (msg: string) => void },
  ) {}

  open(): Promise<void> {
    const o = this.o;
    const args = interactiveArgs(o.chip, o.offsets, o.activeLow, o.consumer);
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

export interface GpiodStats {
  driver: Exclude<GpiodDriverKind, 'auto'> | null;
  version: string | null;
  chip: string | null;
  writes: number;
  errors: number;
}

export class GpiodGpio implements GpioPort {
  private readonly tools: GpiodTools;
  private readonly drivers = new Map<OutputLine, { driver: LineDriver; offset: number; chain: Promise<void> }>();
  private readonly values = new Map<OutputLine, 0 | 1>();
  private state: 'new' | 'opening' | 'open' | 'closed' = 'new';
  private readonly st: GpiodStats = { driver: null, version: null, chip: null, writes: 0, errors: 0 };

  constructor(private readonly o: GpiodOptions) {
    this.tools = { ...DEFAULT_TOOLS, ...o.tools };
  }

  stats(): GpiodStats {
    return { ...this.st };
  }

  async open(): Promise<void> {
    if (this.state !== 'new') throw new InspectdError('GPIO_STATE', `open() on a ${this.state} gpiod port`);
    this.state = 'opening';
    const o = this.o;
    const info = await probeGpiod(this.tools, o.env);
    const chip = resolveChip(o.chip, await detectChips(this.tools, o.env));
    const kind = o.driver && o.driver !== 'auto' ? o.driver : info.major < 2 ? 'v1' : info.interactive ? 'v2-interactive' : 'v2-respawn';
    Object.assign(this.st, { driver: kind, version: info.version, chip: `${chip.name} [${chip.label}]` });
    const consumer = o.consumer ?? 'inspectd';
    const lost = (msg: string) => {
      this.st.errors++;
      o.log.error({ code: 'GPIO_LOST' }, msg);
      o.onFault?.({ code: 'GPIO_LOST', message: msg, fatal: true });
    };
    const configured = (Object.entries(o.lines) as Array<[OutputLine, GpiodLineConfig | undefined]>).filter((e): e is [OutputLine, GpiodLineConfig] => !!e[1]);
    for (const [name, l] of configured) {
      if (l.offset >= chip.lines) throw new InspectdError('GPIO_LINE', `line ${name}: offset ${l.offset} is outside ${chip.name} (${chip.lines} lines)`, { line: name });
    }
    if (kind === 'v2-interactive') {
      for (const activeLow of [false, true]) {
        const group = configured.filter(([, l]) => !!l.active_low === activeLow);
        if (group.length === 0) continue;
        const driver = new InteractiveGroup({ gpioset: this.tools.gpioset, chip: chip.name, offsets: group.map(([, l]) => l.offset), activeLow, consumer, env: o.env, log: o.log, lost });
        for (const [name, l] of group) this.drivers.set(name, { driver, offset: l.offset, chain: Promise.resolve() });
      }
    } else {
      const major = kind === 'v1' ? 1 : 2;
      for (const [name, l] of configured) {
        const driver = new RespawnLine({ gpioset: this.tools.gpioset, major, chip: chip.name, offset: l.offset, activeLow: !!l.active_low, consumer, env: o.env, settleMs: o.settleMs ?? 30, minHoldMs: o.minHoldMs ?? 20, log: o.log, lost });
        this.drivers.set(name, { driver, offset: l.offset, chain: Promise.resolve() });
      }
    }
    const unique = [...new Set([...this.drivers.values()].map((d) => d.driver))];
    try {
      await Promise.all(unique.map((d) => d.open()));
    } catch (err) {
      await Promise.allSettled(unique.map((d) => d.close()));
      this.state = 'closed';
      throw err;
    }
    for (const name of this.drivers.keys()) this.values.set(name, 0);
    this.state = 'open';
    o.log.info({ driver: kind, libgpiod: info.version, chip: this.st.chip, lines: Object.fromEntries(configured.map(([n, l]) => [n, l.offset])) }, 'GPIO lines requested');
  }

  set(line: OutputLine, value: 0 | 1): void {
    if (this.state !== 'open') throw new InspectdError('GPIO_STATE', `set(${line}) on a ${this.state} gpiod port`, { line });
    const d = this.drivers.get(line);
    if (!d || this.values.get(line) === value) return;
    this.values.set(line, value);
    this.st.writes++;
    // Changes of one line are applied strictly in order; lines do not wait for each other.
    d.chain = d.chain
      .then(() => d.driver.set(d.offset, value))
      .catch((err) => {
        this.st.errors++;
        this.o.log.error({ code: 'GPIO_WRITE', line, value, err: errorMessage(err) }, 'GPIO write failed');
        this.o.onFault?.({ code: 'GPIO_WRITE', message: errorMessage(err), fatal: true });
      });
  }

  /** Resolves when every change requested so far has reached the tools. */
  async flush(): Promise<void> {
    await Promise.all([...this.drivers.values()].map((d) => d.chain));
  }

  async close(): Promise<void> {
    if (this.state === 'closed' || this.state === 'new') {
      this.state = 'closed';
      return;
    }
    if (this.state === 'open') for (const name of this.drivers.keys()) this.set(name, 0);
    this.state = 'closed';
    await this.flush();
    const unique = [...new Set([...this.drivers.values()].map((d) => d.driver))];
    await Promise.allSettled(unique.map((d) => d.close()));
  }
}
