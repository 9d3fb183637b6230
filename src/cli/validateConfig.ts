import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { type CliIo, UsageError, line, type Values } from './io.js';
import { checkConfig } from './checkConfig.js';
import { crossCollisions, selfCollisions, stationClaims, type Claim } from '../config/index.js';
import { configWarnings } from '../config/index.js';
import { formatProblem, type ConfigProblem } from '../config/index.js';
import { canonicalPath } from '../platform/index.js';
import { EXIT } from './exitCodes.js';

/**
 * `inspectd validate-config`: exit 0 when the config (and its model) would start; else list every
 * problem and exit 2, as `run` does. Warnings (a config that starts but keeps less history than it
 * says) go to stderr and do not change the exit code. Several files (`validate-config a.yaml b.yaml`, the stations
 * of one box) are also checked against each other: two that would claim the same port, database,
 * images folder, MQTT client id or topics, GPIO line or camera are a problem of each, naming the other.
 */
export async function validateConfigCmd(v: Values, pos: string[], io: CliIo): Promise<number> {
  const given = [...(typeof v.config === 'string' && v.config !== '' ? [v.config] : []), ...pos];
  if (!given.length) throw new UsageError('give the config to check: --config FILE, or several: validate-config A.yaml B.yaml …');
  const files = [...new Map(given.map((f) => [resolve(io.cwd, f), f])).values()]; // the same file twice is one station
  const checked: Array<{ file: string; station: string | null; claims: Claim[]; problems: ConfigProblem[]; warnings: ReturnType<typeof configWarnings> }> = [];
  for (const file of files) {
    const { config, problems } = await checkConfig(resolve(io.cwd, file), { env: io.env });
    const claims = config ? stationClaims(config, { hostname: hostname(), canonical: canonicalPath }) : [];
    problems.push(...selfCollisions(claims));
    checked.push({ file, station: config?.station ?? null, claims, problems, warnings: config ? configWarnings(config) : [] });
  }
  if (checked.length > 1) {
    const cross = crossCollisions(checked.filter((c) => c.station !== null).map((c) => ({ file: c.file, station: c.station!, claims: c.claims })));
    for (const c of checked) c.problems.push(...(cross.get(c.file) ?? []));
  }
  for (const { file, problems, warnings } of checked) {
    if (v.json) line(io.out, JSON.stringify({ file, valid: problems.length === 0, problems, warnings }));
    else if (problems.length) line(io.err, `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map(formatProblem).join('\n')}`);
    else line(io.out, `${file}: valid`);
    if (!v.json) for (const w of warnings) line(io.err, `warning: ${w.message}`);
  }
  return checked.some((c) => c.problems.length) ? EXIT.USAGE : EXIT.OK;
}
