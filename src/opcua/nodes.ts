import type { OutputLine } from '../actuate/index.js';
import { verdictCode, type ResultState } from '../events/index.js';

/**
 * The OPC UA address space as pure data: which variables exist, their node ids and types, and
 * the value each one shows for a result state. The same signals as the Modbus map
 * (src/modbus/README.md), typed instead of packed into 16-bit words. The server (server.ts) only
 * turns these into node-opcua variables; the table is documented in README.md "OPC UA server",
 * and a change to a node id there breaks every PLC program that hard-codes it.
 */

/** Our own namespace, registered first after the server's, so its index is 2 (resolve it by URI anyway). */
export const NAMESPACE_URI = 'urn:inspectd';

export type VarType = 'Boolean' | 'UInt16' | 'UInt32' | 'Double' | 'String' | 'DateTime';
export type Folder = 'Lines' | 'LastResult' | 'Counters' | 'Settings';

export interface VarSpec {
  folder: Folder;
  name: string;
  type: VarType;
  description: string;
}

/** String node id (`ns=2;s=<this>`). */
export const nodeIdOf = (v: Pick<VarSpec, 'folder' | 'name'>): string => `${v.folder}.${v.name}`;

/** Live line levels (1 = asserted, whatever the wiring polarity), pushed on every change. */
export const LINE_VARS: ReadonlyArray<VarSpec & { line: OutputLine }> = [
  { folder: 'Lines', name: 'Ready', line: 'ready', type: 'Boolean', description: 'model warm and frames flowing' },
  { folder: 'Lines', name: 'Heartbeat', line: 'heartbeat', type: 'Boolean', description: 'toggles at 1 Hz while healthy; stops when the station stalls' },
  { folder: 'Lines', name: 'Reject', line: 'reject', type: 'Boolean', description: 'the reject pulse (gpio.pulse_ms) is being driven' },
  { folder: 'Lines', name: 'ResultValid', line: 'result_valid', type: 'Boolean', description: 'the result strobe (gpio.strobe_ms) is being driven' },
];

/** The last decided part and the counters, pushed on each 'inspected' event. */
export const RESULT_VARS: readonly VarSpec[] = [
  { folder: 'LastResult', name: 'ResultCounter', type: 'UInt16', description: '+1 per decided part; wraps 65535 → 1, so 0 only means "no result since start"' },
  { folder: 'LastResult', name: 'Seq', type: 'UInt32', description: 'sequence number of the last decided part (mod 2^32)' },
  { folder: 'LastResult', name: 'Verdict', type: 'String', description: "'pass', 'reject' or 'error' (could not inspect)" },
  { folder: 'LastResult', name: 'VerdictCode', type: 'UInt16', description: '0 pass, 1 reject, 2 error (as Modbus register 4)' },
  { folder: 'LastResult', name: 'Score', type: 'Double', description: 'decision score of the last part (higher = more like a good part); BadNoData for an error' },
  { folder: 'LastResult', name: 'Threshold', type: 'Double', description: 'the threshold the last part was judged against' },
  { folder: 'LastResult', name: 'CaptureTime', type: 'DateTime', description: 'wall-clock capture time of the last part' },
  { folder: 'Counters', name: 'Inspected', type: 'UInt32', description: 'parts decided since start (every verdict; mod 2^32)' },
  { folder: 'Counters', name: 'Rejected', type: 'UInt32', description: 'parts with verdict reject' },
  { folder: 'Counters', name: 'Errors', type: 'UInt32', description: 'parts with verdict error (the reject line still fires for them under gpio.on_error: reject)' },
];

/** Read from the PLC scheduler when a client reads or samples them (they change between results). */
export const SAMPLED_VARS: readonly VarSpec[] = [
  { folder: 'Counters', name: 'Late', type: 'UInt32', description: 'parts whose decision missed the ejector deadline (gpio.on_late)' },
  { folder: 'Counters', name: 'InFlight', type: 'UInt32', description: 'parts between camera and ejector awaiting their decision or pulse' },
];

/** Writable by the operator role, through the same command handler as MQTT `set/<name>`. */
export const SETTING_VARS: ReadonlyArray<VarSpec & { command: 'threshold' | 'paused' }> = [
  { folder: 'Settings', name: 'Threshold', command: 'threshold', type: 'Double', description: 'decision threshold in [-1, 1]; a write is checked and recorded like MQTT set/threshold' },
  { folder: 'Settings', name: 'Paused', command: 'paused', type: 'Boolean', description: 'true: frames are not inspected and ready drops (like MQTT set/paused)' },
];

export type Quality = 'Good' | 'BadWaitingForInitialData' | 'BadNoData';
export interface NodeValue {
  value: boolean | number | string | Date | null;
  quality: Quality;
}

const u32 = (n: number): number => (Number.isFinite(n) ? ((Math.trunc(n) % 0x1_0000_0000) + 0x1_0000_0000) % 0x1_0000_0000 : 0);
const good = (value: NodeValue['value']): NodeValue => ({ value, quality: 'Good' });

/**
 * Every RESULT_VARS value for a state, by node id. Before the first part the last-result values
 * are BadWaitingForInitialData (OPC UA's "no value yet"); the counters are Good zeros.
 */
export function resultValues(s: Readonly<ResultState>): Record<string, NodeValue> {
  const none = s.verdict === null;
  const last = (v: NodeValue['value']): NodeValue => (none ? { value: null, quality: 'BadWaitingForInitialData' } : good(v));
  return {
    'LastResult.ResultCounter': good(s.resultCounter),
    'LastResult.Seq': last(u32(s.seq)),
    'LastResult.Verdict': last(s.verdict),
    'LastResult.VerdictCode': last(verdictCode(s.verdict)),
    // An error has no score: say so with the status rather than a sentinel number.
    'LastResult.Score': none ? last(null) : s.score === null || !Number.isFinite(s.score) ? { value: null, quality: 'BadNoData' } : good(s.score),
    'LastResult.Threshold': last(s.threshold),
    'LastResult.CaptureTime': s.ts === null ? { value: null, quality: 'BadWaitingForInitialData' } : last(new Date(s.ts)),
    'Counters.Inspected': good(u32(s.inspected)),
    'Counters.Rejected': good(u32(s.rejected)),
    'Counters.Errors': good(u32(s.errors)),
  };
}

/** A sampled counter as a UInt32 (clamped at 0, mod 2^32). */
export function counterValue(n: number): number {
  return u32(Math.max(0, n));
}
