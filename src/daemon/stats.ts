import type { InspectionResult, StatsSnapshot } from '../domain/index.js';
import { quantile } from '../score/index.js';

/**
 * Rolling counters for the `stats` MQTT message, logs and the bench. Latencies are kept in a
 * fixed ring (no growth over months of running); fps is measured between snapshots.
 */
export class RunningStats {
  inspected = 0;
  passed = 0;
  rejected = 0;
  errors = 0;
  private ring = new Float64Array(2048);
  private n = 0;
  private lastTs: number;
  private lastCount = 0;

  constructor(private readonly station: string, private readonly now: () => number = Date.now) {
    this.lastTs = now();
  }

  add(r: InspectionResult): void {
    this.inspected++;
    if (r.verdict === 'pass') this.passed++;
    else if (r.verdict === 'reject') this.rejected++;
    else this.errors++;
    this.ring[this.n++ % this.ring.length] = r.latency_ms;
  }

  latencies(): Float64Array {
    return this.ring.slice(0, Math.min(this.n, this.ring.length));
  }

  /** The interval's snapshot: fps is measured since the previous snapshot(), which this resets. */
  snapshot(dropped: number): StatsSnapshot {
    const s = this.peek(dropped);
    this.lastTs = s.ts;
    this.lastCount = this.inspected;
    return s;
  }

  /** Same figures without starting a new fps interval (for dashboards and ad-hoc reads). */
  peek(dropped: number): StatsSnapshot {
    const ts = this.now();
    const dt = (ts - this.lastTs) / 1000;
    const fps = dt > 0 ? (this.inspected - this.lastCount) / dt : 0;
    const lat = this.latencies(); // quantile() selects on its own copy: no sort needed
    return {
      station: this.station, ts, inspected: this.inspected, passed: this.passed, rejected: this.rejected, errors: this.errors, dropped,
      fps: round(fps), latency_p50_ms: round(quantile(lat, 0.5)), latency_p99_ms: round(quantile(lat, 0.99)),
    };
  }
}

const round = (x: number) => Math.round(x * 100) / 100;
