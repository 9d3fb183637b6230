import type { GpioPort, OutputLine } from '../../src/actuate/types.js';

export interface Recorded {
  t: number;
  line: OutputLine;
  value: 0 | 1;
}

/**
 * Strict recording GPIO fake (after serialport's binding-mock): records every change it is told,
 * with the injected clock's time, and throws on misuse a real line would punish — use before open
 * or after close, and a reject pulse started while the previous one is still high (overlap).
 */
export class StrictGpio implements GpioPort {
  readonly changes: Recorded[] = [];
  private readonly values = new Map<OutputLine, 0 | 1>();
  state: 'new' | 'open' | 'closed' = 'new';
  opens = 0;
  closes = 0;

  constructor(private readonly now: () => number) {}

  async open(): Promise<void> {
    if (this.state !== 'new') throw new Error(`StrictGpio: open() when ${this.state}`);
    this.state = 'open';
    this.opens++;
  }

  set(line: OutputLine, value: 0 | 1): void {
    if (this.state !== 'open') throw new Error(`StrictGpio: set(${line}, ${value}) when ${this.state}`);
    if (value !== 0 && value !== 1) throw new Error(`StrictGpio: value ${String(value)} for ${line}`);
    const cur = this.values.get(line) ?? 0;
    if (line === 'reject' && value === 1 && cur === 1) throw new Error('StrictGpio: overlapping reject pulse (reject set high while high)');
    if (cur === value) return;
    this.values.set(line, value);
    this.changes.push({ t: this.now(), line, value });
  }

  async close(): Promise<void> {
    if (this.state === 'new') throw new Error('StrictGpio: close() before open()');
    this.closes++;
    this.state = 'closed';
  }

  value(line: OutputLine): 0 | 1 {
    return this.values.get(line) ?? 0;
  }

  /** Changes of one line. */
  of(line: OutputLine): Recorded[] {
    return this.changes.filter((c) => c.line === line);
  }

  /** Completed high pulses of one line as [start, end) pairs. */
  pulses(line: OutputLine): Array<{ start: number; end: number }> {
    const out: Array<{ start: number; end: number }> = [];
    let start: number | null = null;
    for (const c of this.of(line)) {
      if (c.value === 1) start = c.t;
      else if (start !== null) {
        out.push({ start, end: c.t });
        start = null;
      }
    }
    return out;
  }
}
