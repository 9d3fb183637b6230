import type { ErrorCode } from './errorCodes.js';

/**
 * A fault an adapter reports while running (camera died, GPIO lost, store failing): the one shape
 * every stage raises and the daemon logs, publishes on MQTT and shows on the dashboard.
 * `fatal` ends the run (exit 1, systemd restarts it) unless the adapter recovers first.
 */
export interface Fault {
  code: ErrorCode;
  message: string;
  fatal: boolean;
}

/** Where an adapter sends its faults; must not throw. */
export type FaultListener = (fault: Fault) => void;

/** A fault as fanned out to sinks: stamped with the wall-clock time it was raised (ms since epoch). */
export interface FaultEvent extends Fault {
  ts: number;
}
