import type { Values } from './commands.js';
import { type CliIo, line } from './io.js';
import { req } from './evalCmd.js';
import { checkConfig } from '../config/check.js';
import { configWarnings } from '../config/history.js';
import { formatProblem } from '../config/load.js';
import { createApp } from '../daemon/app.js';
import { prepareDataPaths } from './dataPaths.js';
import { EXIT } from './exitCodes.js';
import { createLogger, logFormat } from './logger.js';

/** Stop must finish before systemd's TimeoutStopSec (15 s in systemd/inspectd.service). */
export const STOP_DEADLINE_MS = 10_000;
export const EXIT_ROWS_LOST = EXIT.ROWS_LOST;

/**
 * `inspectd run`: refuse to start on any config or model problem (all listed), else run until
 * the source ends (replay with loop: false → exit 0) or a signal arrives (clean stop → exit 0).
 * A fatal fault exits 1 so systemd's Restart=always brings the station back; rows lost on the
 * way to SQLite turn a clean end into exit 3, so a supervisor knows the record has a gap.
 */
export async function runCmd(v: Values, _pos: string[], io: CliIo): Promise<number> {
  // Taken before the first await: an abort listener added after the signal fired never runs.
  const aborted = whenAborted(io.signal);
  const file = req(v.config, '--config');
  const { config, problems } = await checkConfig(file, { env: io.env });
  // Data folders are made and proven writable before anything starts: a read-only disk is a refusal, not a crash.
  if (config) problems.push(...prepareDataPaths(config));
  if (!config || problems.length) {
    line(io.err, `inspectd: refusing to start, ${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map(formatProblem).join('\n')}`);
    return EXIT.USAGE;
  }
  const log = createLogger({ level: config.log.level, station: config.station, out: io.out, format: logFormat(Boolean(io.outIsTTY), io.env) });
  for (const w of configWarnings(config)) log.warn({ code: w.code, ...w.figures }, w.message);
  const app = createApp(config, { env: io.env, pid: io.pid, log });
  // The deadline runs from the stop request: a signal during start-up stops the start-up too
  // (app.start() returns early), and a start-up stage that hangs cannot hold the stop forever.
  let stopped: Promise<'stopped' | 'timeout'> | undefined;
  const stopWithin = (reason: string) =>
    (stopped ??= Promise.race([app.stop(reason).then(() => 'stopped' as const), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), STOP_DEADLINE_MS).unref())]));
  void aborted.then(() => stopWithin('signal'));
  let code = 0;
  try {
    if (!io.signal.aborted) await Promise.race([app.start(), aborted]);
    await Promise.race([app.done, aborted]);
  } catch (err) {
    log.fatal({ err }, 'fatal');
    code = 1;
  } finally {
    if ((await stopWithin(io.signal.aborted ? 'signal' : code ? 'fatal error' : 'source ended')) === 'timeout') {
      log.error({ deadline_ms: STOP_DEADLINE_MS }, 'stop deadline passed; exiting anyway');
      code = code || 1;
    }
  }
  const lost = (app.stats().store as { dropped?: number } | undefined)?.dropped ?? 0;
  if (lost > 0) {
    log.error({ code: 'STORE_ROWS_LOST', lost, exit: EXIT_ROWS_LOST }, `${lost} inspection rows were not written to ${config.storage.database}`);
    code = code || EXIT_ROWS_LOST;
  }
  log.flush?.();
  return code;
}

/** Resolves once `signal` is aborted, including when it already was. */
function whenAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}
