import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InspectdError } from '../platform/index.js';
import type { Logger } from '../platform/index.js';
import type { GpioPort, OutputLine } from './types.js';

export const OUTPUT_LINES: readonly OutputLine[] = ['reject', 'ready', 'heartbeat', 'result_valid'];

export interface SimGpioOptions {
  /** JSON-lines log of every line change; omitted = changes are only kept in memory (`changes`). */
  logPath?: string;
  /** Monotonic ms (the PLC clock). Default performance.now. */
  now?: () => number;
  /**
   * Added to now() to give `t`. Default performance.timeOrigin, so `t` is ms since the epoch with
   * sub-ms precision and intervals between lines are exact (monotonic), comparable to Frame.wallTs.
   * Tests with a fake clock pass 0 to get the fake clock's own times.
   */
  epochOffset?: number;
  /** Keep the last N changes in memory for inspection (tests, status pages). Default 10000. */
  keep?: number;
  log?: Logger;
}

export interface LineChange {
  /** ms since epoch (see epochOffset), sub-ms precision. */
  t: number;
  line: OutputLine;
  value: 0 | 1;
}

/**
 * The simulated chip (`gpio.backend: sim`): drives nothing, records every line change as a JSON
 * line `{t, line, value}` so users and tests can see exact signal timing without hardware. Writes
 * are buffered and flushed in the background; close() flushes and only then resolves.
 */
export class SimGpio implements GpioPort {
  private state: 'new' | 'open' | 'closed' = 'new';
  private readonly values = new Map<OutputLine, 0 | 1>();
  private pending: string[] = [];
  private file: FileHandle | null = null;
  private writing: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writeError: unknown = null;
  readonly changes: LineChange[] = [];
  private readonly now: () => number;
  private readonly epochOffset: number;

  constructor(private readonly o: SimGpioOptions = {}) {
    this.now = o.now ?? (() => performance.now());
    this.epochOffset = o.epochOffset ?? performance.timeOrigin;
  }

  async open(): Promise<void> {
    if (this.state !== 'new') throw new InspectdError('GPIO_STATE', `open() on a ${this.state} sim port`);
    if (this.o.logPath) {
      await mkdir(dirname(this.o.logPath), { recursive: true });
      // A fresh log per run: the file describes this run's signals only.
      this.file = await open(this.o.logPath, 'w');
    }
    this.state = 'open';
    for (const line of OUTPUT_LINES) this.record(line, 0); // initial safe state
  }

  set(line: OutputLine, value: 0 | 1): void {
    if (this.state !== 'open') throw new InspectdError('GPIO_STATE', `set(${line}) on a ${this.state} sim port`, { line });
    if (this.values.get(line) === value) return;
    this.record(line, value);
  }

  value(line: OutputLine): 0 | 1 {
    return this.values.get(line) ?? 0;
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'open') for (const line of OUTPUT_LINES) if (this.values.get(line) === 1) this.record(line, 0);
    this.state = 'closed';
    if (this.timer) clearTimeout(this.timer);
    this.flush();
    await this.writing;
    await this.file?.close();
    this.file = null;
    if (this.writeError) throw new InspectdError('GPIO_SIM_LOG', `sim log ${this.o.logPath} could not be written`, {}, { cause: this.writeError });
  }

  private record(line: OutputLine, value: 0 | 1): void {
    this.values.set(line, value);
    const change: LineChange = { t: this.epochOffset + this.now(), line, value };
    this.changes.push(change);
    if (this.changes.length > (this.o.keep ?? 10_000)) this.changes.shift();
    if (!this.file) return;
    this.pending.push(JSON.stringify(change));
    if (this.pending.length >= 256) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), 200);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.file || this.pending.length === 0) return;
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    const file = this.file;
    this.writing = this.writing
      .then(() => file.appendFile(text))
      .catch((err) => {
        if (!this.writeError) this.o.log?.error({ err: String(err), path: this.o.logPath }, 'sim GPIO log write failed');
        this.writeError = err;
      });
  }
}
