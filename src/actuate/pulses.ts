import type { Logger } from '../platform/index.js';
import type { Clock, TimerHandle } from '../platform/index.js';
import type { OutputLine } from './types.js';

interface Part {
  seq: number;
  capturedAt: number;
}

interface Pulse {
  start: number;
  end: number;
  /** The parts it ejects, as a range and a count: back-to-back rejects can merge thousands. */
  firstSeq: number;
  lastSeq: number;
  parts: number;
  active: boolean;
  startTimer?: TimerHandle;
  endTimer?: TimerHandle;
}

type SetLine = (line: OutputLine, v: 0 | 1) => void;

/** Merges are logged at most this often (as a count): back-to-back rejects merge on every part. */
export const MERGE_LOG_EVERY_MS = 10_000;

export interface PulseStats {
  rejected: number;
  missed: number;
  merged: number;
  pulses: number;
  /** Scheduled pulses cancelled by clear() before they were driven (a drain that ran out of time). */
  dropped: number;
}

/**
 * Reject pulses timed from capture (capture + travel), through a FIFO of parts in flight.
 * Pulses never overlap: one that would overlap or touch another is merged into it (a merged
 * pulse ejects both parts) and counted.
 */
export class RejectPulses {
  private pulses: Pulse[] = []; // sorted by start, never overlapping
  private mergesUnlogged = 0;
  private mergeLoggedAt = -Infinity;
  private lastMerged: Pulse | undefined;

  constructor(private readonly o: { clock: Clock; set: SetLine; travelMs: number; pulseMs: number; log: Logger; stats: PulseStats; onIdle?: () => void }) {}

  /** Pulses scheduled or on the line. */
  get busy(): boolean {
    return this.pulses.length > 0;
  }

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
    const pulse: Pulse = { start: due, end: due + this.o.pulseMs, firstSeq: part.seq, lastSeq: part.seq, parts: 1, active: false };
    // Fold every pulse this one overlaps or touches into one (a merged pulse ejects both parts).
    const keep: Pulse[] = [];
    let folded = 0;
    for (const p of this.pulses) {
      if (p.start <= pulse.end && pulse.start <= p.end) {
        pulse.start = Math.min(pulse.start, p.start);
        pulse.end = Math.max(pulse.end, p.end);
        pulse.firstSeq = Math.min(pulse.firstSeq, p.firstSeq);
        pulse.lastSeq = Math.max(pulse.lastSeq, p.lastSeq);
        pulse.parts += p.parts;
        pulse.active ||= p.active;
        if (p.startTimer !== undefined) clock.clearTimeout(p.startTimer);
        if (p.endTimer !== undefined) clock.clearTimeout(p.endTimer);
        folded++;
      } else keep.push(p);
    }
    if (folded) {
      st.merged += folded;
      this.mergesUnlogged += folded;
      this.lastMerged = pulse;
      if (now - this.mergeLoggedAt >= MERGE_LOG_EVERY_MS) this.logMerges(now);
    }
    keep.push(pulse);
    this.pulses = keep.sort((a, b) => a.start - b.start);
    if (pulse.active) pulse.endTimer = clock.setTimeout(() => this.end(pulse), pulse.end - now);
    else if (pulse.start <= now) this.start(pulse); // travel 0: out at the decision, not a timer tick later
    else pulse.startTimer = clock.setTimeout(() => this.start(pulse), pulse.start - now);
  }

  /** Cancel everything scheduled (the caller drives the line to its safe state). */
  clear(): void {
    const { clock, log } = this.o;
    for (const p of this.pulses) {
      if (p.startTimer !== undefined) clock.clearTimeout(p.startTimer);
      if (p.endTimer !== undefined) clock.clearTimeout(p.endTimer);
    }
    const dropped = this.pulses.filter((p) => !p.active);
    if (dropped.length) {
      this.o.stats.dropped += dropped.length;
      log.warn({ code: 'GPIO_REJECT_DROPPED', pulses: dropped.length, parts: dropped.reduce((n, p) => n + p.parts, 0), first_seq: dropped[0].firstSeq }, 'closing drops scheduled reject pulses');
    }
    if (this.mergesUnlogged) this.logMerges(clock.now());
    this.pulses = [];
  }

  /** One bounded line for every merge since the last such line (the count, not the seqs). */
  private logMerges(now: number): void {
    const p = this.lastMerged!;
    const latest = { first_seq: p.firstSeq, last_seq: p.lastSeq, parts: p.parts, start: p.start, end: p.end };
    this.o.log.warn({ merges: this.mergesUnlogged, merged_total: this.o.stats.merged, latest }, `reject pulses overlap; merged (logged at most every ${MERGE_LOG_EVERY_MS / 1000} s)`);
    this.mergesUnlogged = 0;
    this.mergeLoggedAt = now;
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
    if (this.pulses.length === 0) this.o.onIdle?.();
  }
}

/** The result-valid strobe: one distinct pulse per decided part, queued if they come fast. */
export class Strobes {
  private timers = new Set<TimerHandle>();
  private freeAt = -Infinity;
  private down: TimerHandle | undefined; // pending end of the strobe now high

  constructor(private readonly o: { clock: Clock; set: SetLine; strobeMs: number; stats: { strobes: number }; onIdle?: () => void }) {}

  /** A strobe is high or queued. */
  get busy(): boolean {
    return this.timers.size > 0;
  }

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
      if (this.timers.size === 0) this.o.onIdle?.();
    }, this.o.strobeMs);
    this.down = t;
    this.timers.add(t);
  }
}
