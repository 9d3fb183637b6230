import type { Logger } from '../platform/index.js';
import { GpiodGpio, type GpiodDriverKind, type GpiodLineConfig } from './gpiod.js';
import type { GpiodTools } from '../platform/index.js';
import { SimGpio } from './sim.js';
import type { GpioPort, OutputLine } from './types.js';
import type { FaultListener } from '../domain/index.js';

/** The `gpio:` config section as this stage reads it (structurally the config schema's GpioConfig). */
export interface GpioPortConfig {
  backend: 'sim' | 'gpiod';
  sim_log?: string;
  chip?: string;
  /** Always present: the config schema defaults `gpio.lines` to {} (its only default). */
  lines: Partial<Record<OutputLine, GpiodLineConfig>>;
}

export interface GpioDeps {
  log: Logger;
  onFault?: FaultListener;
  tools?: Partial<GpiodTools>;
  driver?: GpiodDriverKind;
  env?: Record<string, string | undefined>;
}

/** The GPIO port a `gpio:` section describes: the simulated chip or libgpiod. */
export function createGpioPort(cfg: GpioPortConfig, deps: GpioDeps): GpioPort {
  if (cfg.backend === 'sim') return new SimGpio({ logPath: cfg.sim_log, log: deps.log });
  return new GpiodGpio({ chip: cfg.chip ?? '', lines: cfg.lines, tools: deps.tools, driver: deps.driver, env: deps.env, log: deps.log, onFault: deps.onFault });
}

export { SimGpio } from './sim.js';
export { GpiodGpio } from './gpiod.js';
export { createPlcSignals, type PlcSignals, type PlcOptions, type PlcStats, type Part } from './plc.js';
export { systemClock, type Clock } from '../platform/index.js';
export { drainBoundMs } from './drain.js';
export type { GpioPort, OutputLine } from './types.js';
