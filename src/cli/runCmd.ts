import { pino } from 'pino';
import type { Values } from './commands.js';
import { type CliIo, line } from './io.js';
import { req } from './evalCmd.js';
import { checkConfig } from '../config/check.js';
import { formatProblem } from '../config/load.js';
import { createApp } from '../daemon/app.js';
import { prepareDataPaths } from './dataPaths.js';

/** Stop must finish before systemd's TimeoutStopSec (15 s in systemd/inspectd.service). */
export const STOP_DEADLINE_MS = 10_000;

/**
 * `inspectd run`: refuse to start on any config or model problem (all listed), else run until
 * the source ends (replay with loop: false → exit 0) or a signal arrives (clean stop → exit 0).
 * A fatal fault exits 1 so systemd's Restart=always brings the station back.
 */
export async function runCmd(v: Values, _pos: string[], io: CliIo): Promise<number> {
  const file = req(v.config, '--config');
  const { config, problems } = await checkConfig(file, { env: io.env });
  // Data folders are made and proven writable before anything starts: a read-only disk is a refusal, not a crash.
  if (config) problems.push(...prepareDataPaths(config));
  if (!config || problems.length) {
    line(io.err, `inspectd: refusing to start, ${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map(formatProblem).join('\n')}`);
    return 2;
  }
  const log = pino({ level: config.log.level, base: { station: config.station } }, io.out);
  const app = createApp(config, { env: io.env, pid: io.pid, log });
  const onAbort = () => void app.stop('signal');
  io.signal.addEventListener('abort', onAbort, { once: true });
  let code = 0;
  try {
    await app.start();
    await Promise.race([app.done, new Promise<void>((r) => io.signal.addEventListener('abort', () => r(), { once: true }))]);
  } catch (err) {
    log.fatal({ err }, 'fatal');
    code = 1;
  } finally {
    const deadline = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), STOP_DEADLINE_MS).unref());
    if ((await Promise.race([app.stop(io.signal.aborted ? 'signal' : code ? 'fatal error' : 'source ended'), deadline])) === 'timeout') {
      log.error({ deadline_ms: STOP_DEADLINE_MS }, 'stop deadline passed; exiting anyway');
      code = code || 1;
    }
    io.signal.removeEventListener('abort', onAbort);
  }
  log.flush?.();
  return code;
}
