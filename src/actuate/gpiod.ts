import { InspectdError, errorMessage } from '../platform/index.js';
import type { Logger } from '../platform/index.js';
import { InteractiveGroup, RespawnLine, type LineDriver } from './gpiodDrivers.js';
import { DEFAULT_RESPAWN, Respawner, type RespawnPolicy } from './gpiodRespawn.js';
import { DEFAULT_TOOLS, detectChips, probeGpiod, resolveChip, type GpiodTools } from '../platform/index.js';
import type { GpioPort, OutputLine } from './types.js';
import type { FaultListener } from '../domain/index.js';

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
 *
 * A holder that dies is respawned with its lines at their last levels (gpiodRespawn.ts).
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
  /** Bounds on bringing a dead holder back; default 3 respawns a minute, from 100 ms. */
  respawn?: Partial<RespawnPolicy>;
  log: Logger;
  /** A holder died (non-fatal while it is respawned), could not be brought back or a write failed (fatal). */
  onFault?: FaultListener;
}

export { holderArgs, interactiveArgs } from './gpiodDrivers.js';

export interface GpiodStats {
  driver: Exclude<GpiodDriverKind, 'auto'> | null;
  version: string | null;
  chip: string | null;
  writes: number;
  errors: number;
  /** Holders brought back after they died. */
  respawns: number;
}

export class GpiodGpio implements GpioPort {
  private readonly tools: GpiodTools;
  private readonly drivers = new Map<OutputLine, { driver: LineDriver; offset: number; chain: Promise<void> }>();
  private readonly values = new Map<OutputLine, 0 | 1>();
  private state: 'new' | 'opening' | 'open' | 'closed' = 'new';
  private readonly st: GpiodStats = { driver: null, version: null, chip: null, writes: 0, errors: 0, respawns: 0 };
  private readonly respawner: Respawner;

  constructor(private readonly o: GpiodOptions) {
    this.tools = { ...DEFAULT_TOOLS, ...o.tools };
    this.respawner = new Respawner({
      policy: { ...DEFAULT_RESPAWN, ...o.respawn },
      levels: (driver) => new Map([...this.drivers.entries()].filter(([, d]) => d.driver === driver).map(([name, d]) => [d.offset, this.values.get(name) ?? 0])),
      active: () => this.state === 'open',
      describe: (driver) => ({ chip: this.st.chip, lines: [...this.drivers.entries()].filter(([, d]) => d.driver === driver).map(([name]) => name) }),
      log: o.log,
      onFault: o.onFault,
      stats: this.st,
    });
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
    const respawner = this.respawner;
    const configured = (Object.entries(o.lines) as Array<[OutputLine, GpiodLineConfig | undefined]>).filter((e): e is [OutputLine, GpiodLineConfig] => !!e[1]);
    for (const [name, l] of configured) {
      if (l.offset >= chip.lines) throw new InspectdError('GPIO_LINE', `line ${name}: offset ${l.offset} is outside ${chip.name} (${chip.lines} lines)`, { line: name });
    }
    if (kind === 'v2-interactive') {
      for (const activeLow of [false, true]) {
        const group = configured.filter(([, l]) => !!l.active_low === activeLow);
        if (group.length === 0) continue;
        const driver: LineDriver = new InteractiveGroup({ gpioset: this.tools.gpioset, chip: chip.name, offsets: group.map(([, l]) => l.offset), activeLow, consumer, env: o.env, log: o.log, lost: (msg) => respawner.lost(driver, msg) });
        for (const [name, l] of group) this.drivers.set(name, { driver, offset: l.offset, chain: Promise.resolve() });
      }
    } else {
      const major = kind === 'v1' ? 1 : 2;
      for (const [name, l] of configured) {
        const driver: LineDriver = new RespawnLine({ gpioset: this.tools.gpioset, major, chip: chip.name, offset: l.offset, activeLow: !!l.active_low, consumer, env: o.env, settleMs: o.settleMs ?? 30, minHoldMs: o.minHoldMs ?? 20, log: o.log, lost: (msg) => respawner.lost(driver, msg) });
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
    // Changes of one line are applied strictly in order; lines do not wait for each other. While
    // a lost holder is respawned they wait for it, then follow the re-driven levels in order.
    d.chain = d.chain
      .then(() => this.respawner.idle(d.driver))
      .then(() => (this.respawner.isDead(d.driver) ? undefined : d.driver.set(d.offset, value)))
      .catch((err) => {
        this.st.errors++;
        // The holder died under this write: the respawn re-drives the line to its latest level.
        if (this.respawner.recoveringOrDead(d.driver) || this.state === 'closed') return void this.o.log.warn({ line, value, err: errorMessage(err) }, 'GPIO write lost with its holder');
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
    await this.respawner.settled();
    await this.flush();
    const unique = [...new Set([...this.drivers.values()].map((d) => d.driver))];
    await Promise.allSettled(unique.map((d) => d.close()));
  }
}
