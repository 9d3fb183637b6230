import type { Logger } from '../capture/log.js';
import type { Clock, TimerHandle } from './clock.js';
import type { OutputLine } from './types.js';

interface Part {
  seq: number;
  capturedAt: number;
}

interface Pulse {
  start: number;
  end: number;
  seqs: number[];
  active: boolean;
  startTimer?: TimerHandle;
  endTimer?: TimerHandle;
}

type SetLine = (line: OutputLine, v: 0 | 1) => void;

/**
 * Reject pulses timed from capture (capture + travel), through a FIFO of parts in flight.
 * Pulses never overlap: one that would overlap or touch another is merged into it (a merged
 * pulse ejects both parts) and counted.
 */
export class RejectPulses {
  private pulses: Pulse[] = []; // sorted by start, never overlapping

  constructor(private readonly o: { clock: Clock; set: SetLine; travelMs: number; pulseMs: number; log: Logger; stats: { rejected: number; missed: number; merged: number; pulses: number } }) {}

  schedule(part: Part, why: string): void {
    const { clock, stats: st, log } = this.o;
    st.rejected++;
    const now = clock.now();
    const due = this.o.travelMs > 0 ? part.capturedAt + this.o.travelMs : now;
    if (due < now) {
      st.missed++;
      log.error({ code: 'GPIO_REJECT_MISSED', seq: part.seq, why, late_ms: now - due }, 'reject came after the part passed the ejector');
      return;
    }
    let start = due;
    let end = due + this.o.pulseMs;
    const seqs = [part.seq];
    // Fold every pulse this one overlaps or touches into one (a merged pulse ejects both parts).
    const keep: Pulse[] = [];
    let active = false;
    for (const p of this.pulses) {
      if (p.start <= end && start <= p.end) {
        start = Math.min(start, p.start);
        end = Math.max(end, p.end);
        seqs.push(...p.seqs);
        active ||= p.active;
        if (p.startTimer !== undefined) clock.clearTimeout(p.startTimer);
        if (p.endTimer !== undefined) clock.clearTimeout(p.endTimer);
        st.merged++;
      } else keep.push(p);
    }
    if (seqs.length > 1) log.warn({ seqs, start, end }, 'reject pulses overlap; merged into one');
    const pulse: Pulse = { start, end, seqs, active };
    keep.push(pulse);
    this.pulses = keep.sort((a, b) => a.start - b.start);
    if (active) pulse.endTimer = clock.setTimeout(() => this.end(pulse), end - now);
    else if (start <= now) this.start(pulse); // travel 0: out at the decision, not a timer tick later
    else pulse.startTimer = clock.setTimeout(() => this.start(pulse), start - now);
  }

  /** Cancel everything scheduled (the caller drives the line to its safe state). */
  clear(): void {
    const { clock, log } = this.o;
    for (const p of this.pulses) {
      if (p.startTimer !== undefined) clock.clearTimeout(p.startTimer);
      if (p.endTimer !== undefined) clock.clearTimeout(p.endTimer);
    }
    const dropped = this.pulses.filter((p) => !p.active).length;
    if (dropped) log.warn({ pulses: dropped }, 'closing drops scheduled reject pulses');
    this.pulses = [];
  }

  private start(p: Pulse): void {
    p.startTimer = undefined;
    // Pulses never overlap in time, so another still-active pulse means its end timer is overdue
    // (a busy event loop). End it now: raising an already-high line would make no edge, and its
    // late end timer would then drop this pulse — the part would not be ejected.
    for (const q of this.pulses) {
      if (q === p || !q.active) continue;
      if (q.endTimer !== undefined) this.o.clock.clearTimeout(q.endTimer);
      this.end(q);
    }
    p.active = true;
    this.o.stats.pulses++;
    this.o.set('reject', 1);
    p.endTimer = this.o.clock.setTimeout(() => this.end(p), p.end - this.o.clock.now());
  }

  private end(p: Pulse): void {
    p.endTimer = undefined;
    this.pulses = this.pulses.filter((x) => x !== p);
    this.o.set('reject', 0);
  }
}

/** The result-valid strobe: one distinct pulse per decided part, queued if they come fast. */
export class Strobes {
  private timers = new Set<TimerHandle>();
  private freeAt = -Infinity;
  private down: TimerHandle | undefined; // pending end of the strobe now high

  constructor(private readonly o: { clock: Clock; set: SetLine; strobeMs: number; stats: { strobes: number } }) {}

  fire(): void {
    const { clock, strobeMs } = this.o;
    this.o.stats.strobes++;
    const now = clock.now();
    const start = Math.max(now, this.freeAt);
    this.freeAt = start + 2 * strobeMs; // high for strobeMs, then low for strobeMs
    if (start <= now) this.up();
    else {
      const t = clock.setTimeout(() => {
        this.timers.delete(t);
        this.up();
      }, start - now);
      this.timers.add(t);
    }
  }

  clear(): void {
    for (const t of this.timers) this.o.clock.clearTimeout(t);
    this.timers.clear();
    this.down = undefined;
  }

  private up(): void {
    const { clock, set } = this.o;
    // Same late-timer race as the reject pulse: drop the line first so this strobe is an edge.
    if (this.down !== undefined) {
      clock.clearTimeout(this.down);
      this.timers.delete(this.down);
      set('result_valid', 0);
    }
    set('result_valid', 1);
    const t = clock.setTimeout(() => {
      this.timers.delete(t);
      this.down = undefined;
      set('result_valid', 0);
    }, this.o.strobeMs);
    this.down = t;
    this.timers.add(t);
  }
}
