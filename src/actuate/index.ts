/** The actuate stage's door: GPIO backends (libgpiod, simulated) and the PLC signals built on them. */
export { createGpioPort } from './gpioBackends.js';
export { createPlcSignals } from './plc.js';
export type { PlcSignals } from './gpioBackends.js';
export type { PlcStats } from './plc.js';
export type { GpioPort, OutputLine } from './types.js';
