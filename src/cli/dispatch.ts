import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { COMMANDS, USAGE } from './commands.js';
import { EXIT } from './exitCodes.js';
import { commandHelp } from './help.js';
import { EXIT_TABLE } from './exitCodes.js';
import { type CliIo, UsageError, line } from './io.js';

/** The package's version, from the package.json two folders up (src/cli or dist/cli). */
export function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

const isHelp = (a: string) => a === '--help' || a === '-h';

/**
 * argv (without node and the script) → exit code, through the command table. Usage errors are
 * short (what is wrong, and where the help is); the full usage goes to stdout only on request.
 */
export async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-V') {
    line(io.out, `inspectd ${version()}`);
    return EXIT.OK;
  }
  if (!command || isHelp(command) || command === 'help') {
    line(command ? io.out : io.err, USAGE);
    return command ? EXIT.OK : EXIT.USAGE;
  }
  const cmd = COMMANDS[command];
  if (!cmd) {
    line(io.err, `inspectd: unknown command '${command}' (commands: ${Object.keys(COMMANDS).join(', ')}; see inspectd --help)`);
    return EXIT.USAGE;
  }
  try {
    if (cmd.passthrough) return await cmd.run({}, rest, io);
    if (rest.some(isHelp)) {
      line(io.out, commandHelp(command, cmd, EXIT_TABLE));
      return EXIT.OK;
    }
    const { values, positionals } = parseArgs({ args: rest, options: cmd.options, allowPositionals: true, strict: true });
    return await cmd.run(values as Record<string, string | boolean | undefined>, positionals, io);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      line(io.err, `inspectd ${command}: ${shortMessage(err as Error)}\nsee: inspectd ${command} --help`);
      return EXIT.USAGE;
    }
    const e = err as Error & { code?: string };
    line(io.err, `inspectd ${command}: ${e.code ? `[${e.code}] ` : ''}${e.message}`);
    return EXIT.FAILURE;
  }
}

/** parseArgs appends a paragraph on `--` to unknown-option errors; the first sentence says it. */
function shortMessage(err: Error): string {
  return err.message.split('\n')[0].replace(/\. To specify a positional argument.*$/, '');
}
