import { SingleBar, Presets } from 'cli-progress';
import type { CliIo } from './io.js';

/** A progress bar on stderr when interactive; a no-op otherwise (CI logs, --json pipes). */
export function progressBar(io: CliIo, label: string, total: number): { tick(): void; stop(): void } {
  if (!io.interactive || total === 0) return { tick() {}, stop() {} };
  const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} {eta_formatted}`, stream: io.err as NodeJS.WriteStream, hideCursor: true }, Presets.shades_classic);
  bar.start(total, 0);
  return { tick: () => bar.increment(), stop: () => bar.stop() };
}
