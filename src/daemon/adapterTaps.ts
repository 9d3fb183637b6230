import { readFileSync } from 'node:fs';
import type { GpioPort, OutputLine } from '../actuate/types.js';

/** Small adapters the composition root wraps around real ones (kept apart to keep app.ts short). */

/** A tap on the GPIO port that keeps every line's level for Modbus and the dashboard, whatever the backend. */
export function tapLevels(port: GpioPort, levels: Record<OutputLine, 0 | 1>): GpioPort {
  return {
    open: () => port.open(),
    close: () => port.close(),
    set(line, value) {
      port.set(line, value);
      levels[line] = value;
    },
  };
}

/** An optional PEM file (mqtt.ca / cert / key). */
export function readOpt(file: string | undefined): Buffer | undefined {
  return file ? readFileSync(file) : undefined;
}
