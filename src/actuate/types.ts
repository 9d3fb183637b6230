/** Named output/input lines the station drives. Offsets and polarity come from config. */
export type OutputLine = 'reject' | 'ready' | 'heartbeat' | 'result_valid';

/**
 * Low-level line access (libgpiod adapter, simulated chip, strict fake). Values are logical:
 * 1 = asserted; active-low inversion happens inside the adapter.
 */
export interface GpioPort {
  set(line: OutputLine, value: 0 | 1): void;
  /** Resolve once lines are requested and in their safe state (all de-asserted). */
  open(): Promise<void>;
  /** Drive every output to its safe state and release the lines. Idempotent. */
  close(): Promise<void>;
}

