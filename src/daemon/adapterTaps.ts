import { readFileSync } from 'node:fs';
import type { GpioPort, OutputLine } from '../actuate/index.js';

/** Small adapters the composition root wraps around real ones (kept apart to keep app.ts short). */

/**
 * A tap on the GPIO port that keeps every line's level for Modbus and the dashboard, whatever the
 * backend, and reports each change (OPC UA pushes them) after the line itself was set.
 */
export function tapLevels(port: GpioPort, levels: Record<OutputLine, 0 | 1>, onChange: (line: OutputLine, value: 0 | 1) => void = () => {}): GpioPort {
  return {
    open: () => port.open(),
    close: () => port.close(),
    set(line, value) {
      port.set(line, value);
      const changed = levels[line] !== value;
      levels[line] = value;
      if (changed) onChange(line, value);
    },
  };
}

/** An optional PEM file (mqtt.ca / cert / key). */
export function readOpt(file: string | undefined): Buffer | undefined {
  return file ? readFileSync(file) : undefined;
}
