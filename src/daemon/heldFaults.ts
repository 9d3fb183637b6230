import type { Fault } from '../domain/index.js';

/** A fault as the app raises it (log, bus → MQTT `fault`, dashboard). */
export type AppFault = Fault;

/**
 * The store opens before the MQTT and dashboard sinks exist, and a corrupt database moved aside
 * at open must still reach them: faults raised before `release()` are held, then raised in order.
 */
export function heldFaults(raise: (f: AppFault) => void): { raise: (f: AppFault) => void; release: () => void } {
  let held: AppFault[] | null = [];
  return {
    raise: (f) => (held ? held.push(f) : raise(f)),
    release() {
      const early = held ?? [];
      held = null;
      early.forEach(raise);
    },
  };
}
