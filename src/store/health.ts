import { errorMessage } from '../platform/index.js';
import type { SinkLog, StoreFault } from './types.js';

/**
 * Whether row writes keep failing. One failed transaction is retried on the next flush (a busy
 * lock, a disk that frees up); `failingAfter` in a row means the record is falling behind and
 * will lose rows: the operator must hear it (fault, health, metrics), once per episode.
 */
export class WriteHealth {
  failures = 0;
  private consecutive = 0;
  private since: number | null = null;
  private lastError: string | null = null;

  constructor(
    private readonly o: { failingAfter: number; now: () => number; log: SinkLog; onFault?: (f: StoreFault) => void; queued: () => number },
  ) {}

  get failing(): boolean {
    return this.since !== null;
  }

  get error(): string | null {
    return this.failing ? this.lastError : null;
  }

  failed(err: unknown): void {
    this.failures++;
    this.consecutive++;
    this.lastError = `${(err as { code?: string }).code ?? 'ERROR'}: ${errorMessage(err)}`;
    if (this.since !== null || this.consecutive < this.o.failingAfter) return;
    this.since = this.o.now();
    const message = `database writes keep failing (${this.consecutive} transactions in a row, ${this.lastError}); rows wait in memory and are lost if the daemon stops before the database recovers`;
    this.o.log.error({ code: 'STORE_FAILING', err: this.lastError, queued: this.o.queued() }, message);
    this.o.onFault?.({ code: 'STORE_FAILING', message, fatal: false });
  }

  ok(): void {
    this.consecutive = 0;
    if (this.since === null) return;
    this.o.log.warn({ code: 'STORE_RECOVERED', failing_ms: this.o.now() - this.since }, 'database writes recovered');
    this.since = null;
  }
}
