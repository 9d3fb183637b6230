import type { Values } from './commands.js';
import { type CliIo, line } from './io.js';
import { req } from './evalCmd.js';
import { checkConfig } from '../config/check.js';
import { configWarnings } from '../config/history.js';
import { formatProblem } from '../config/load.js';
import { EXIT } from './exitCodes.js';

/**
 * `inspectd validate-config`: exit 0 when the config (and its model) would start; else list every
 * problem and exit 2, as `run` does. Warnings (a config that starts but keeps less history than it
 * says) go to stderr and do not change the exit code.
 */
export async function validateConfigCmd(v: Values, _pos: string[], io: CliIo): Promise<number> {
  const file = req(v.config, '--config');
  const { config, problems } = await checkConfig(file, { env: io.env });
  const warnings = config ? configWarnings(config) : [];
  if (v.json) line(io.out, JSON.stringify({ file, valid: problems.length === 0, problems, warnings }));
  else if (problems.length) line(io.err, `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map(formatProblem).join('\n')}`);
  else line(io.out, `${file}: valid`);
  if (!v.json) for (const w of warnings) line(io.err, `warning: ${w.message}`);
  return problems.length ? EXIT.USAGE : EXIT.OK;
}
