import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { type CliIo, line, type Values, req } from './io.js';
import { checkConfig } from './checkConfig.js';
import { configWarnings } from '../config/index.js';
import { formatProblem } from '../config/index.js';
import { createApp, createPorts } from '../daemon/index.js';
import { prepareDataPaths } from './dataPaths.js';
import { EXIT } from './exitCodes.js';
import { createLogger, logFormat } from './logger.js';
import { selfCollisions, stationClaims } from '../config/index.js';
import type { Config } from '../config/index.js';
import { collisionMessage, takeClaims, type HeldClaims } from '../daemon/index.js';
import { canonicalPath } from '../platform/index.js';

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
  const claims = config ? stationClaims(config, { hostname: hostname(), canonical: canonicalPath }) : [];
  problems.push(...selfCollisions(claims));
  if (!config || problems.length) {
    line(io.err, `inspectd: refusing to start, ${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map(formatProblem).join('\n')}`);
    return EXIT.USAGE;
  }
  // Another station on this box holding a port, file, client id or line this one needs: a config
  // problem too (exit 2, nothing started), named with both stations, rather than a bind error,
  // two writers on one database or two clients kicking each other off the broker.
  const me = { station: config.station, file: resolve(file), pid: io.pid };
  const claimed = await takeClaims(claims, me);
  if (!claimed.held) {
    line(io.err, collisionMessage(me, claimed.collisions));
    return EXIT.USAGE;
  }
  try {
    return await runClaimed(config, io, aborted, claimed.held);
  } finally {
    await claimed.held.release();
  }
}

async function runClaimed(config: Readonly<Config>, io: CliIo, aborted: Promise<void>, held: HeldClaims): Promise<number> {
  const log = createLogger({ level: config.log.level, station: config.station, out: io.out, format: logFormat(Boolean(io.outIsTTY), io.env) });
  if (held.supported) log.debug({ claims: held.keys }, 'station resources claimed on this box');
  else log.warn('claims on ports, files and GPIO lines need Linux: a second station with the same resources is not refused here');
  for (const w of configWarnings(config)) log.warn({ code: w.code, ...w.figures }, w.message);
  const app = createApp(config, createPorts(config, { env: io.env, pid: io.pid }), log);
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
