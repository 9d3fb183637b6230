/**
 * The nouns every stage speaks: a captured frame, the inspection result it becomes, its verdict,
 * the operator's runtime controls and the fault shape. Types only, so any stage may import this
 * door without loading code.
 */
export type { Frame } from './frame.js';
export type { InspectionResult, StatsSnapshot, Verdict } from './inspection.js';
export type { Controls } from './controls.js';
export type { Fault, FaultEvent, FaultListener } from '../platform/index.js';
