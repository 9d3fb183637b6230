import type { OutputLine } from '../actuate/index.js';
import type { FaultEvent } from '../domain/index.js';
import type { InspectionResult, StatsSnapshot } from '../domain/index.js';

export type { InspectionResult, StatsSnapshot, Verdict } from '../domain/index.js';

/** Typed events fanned out to sinks. The actuator is never a listener (see ARCHITECTURE.md). */
export interface EventMap {
  inspected: InspectionResult;
  fault: FaultEvent;
  stats: StatsSnapshot;
  /** A PLC output line changed level (1 = asserted); `ts` is when it was set, ms since epoch. */
  line: { line: OutputLine; value: 0 | 1; ts: number };
}
