import type { RootLogger as Logger } from '../platform/index.js';
import type { Config } from '../config/index.js';
import type { EventBus } from '../events/index.js';
import type { PlcStats } from '../actuate/index.js';
import type { OutputLine } from '../actuate/index.js';

/** What the Modbus TCP server mirrors, handed over by the composition root. */
export interface ModbusContext {
  modbus: Readonly<Config['modbus']>;
  /** 'inspected' per part (seq, score, verdict) — drives the registers and counters. */
  bus: EventBus;
  /** Current logical level of each PLC output line (the same levels the GPIO lines carry). */
  lineLevel: (line: OutputLine) => 0 | 1;
  plcStats: () => PlcStats;
  log: Logger;
}

export interface ModbusServer {
  port: number;
  close(): Promise<void>;
}
