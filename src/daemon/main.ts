#!/usr/bin/env node
/**
 * The process entry: the only module that touches `process` (argv, env, signals, exit code).
 * Everything it runs is a plain function that takes a CliIo and returns an exit code, so tests
 * call commands in-process and the process test runs this file as a real child.
 */
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli/io.js';
import { UsageError, line } from '../cli/io.js';
import { abortOnStopSignals, stopSignals } from './signals.js';

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const abort = new AbortController();
  abortOnStopSignals(process, stopSignals(command), abort, process.stderr);
  // Loaded after the signal handlers: loading every command takes ~0.5 s on a loaded machine, and a
  // SIGTERM in that window would otherwise kill the process with no stop.
  const { COMMANDS, USAGE } = await import('../cli/commands.js');
  const io: CliIo = { out: process.stdout, err: process.stderr, interactive: Boolean(process.stderr.isTTY), env: process.env, cwd: process.cwd(), pid: process.pid, signal: abort.signal };

  if (!command || command === '--help' || command === '-h' || command === 'help') {
    line(io.out, USAGE);
    return command ? 0 : 2;
  }
  const cmd = COMMANDS[command];
  if (!cmd) {
    line(io.err, `inspectd: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  try {
    if (cmd.passthrough) return await cmd.run({}, rest, io);
    const { values, positionals } = parseArgs({ args: rest, options: cmd.options, allowPositionals: true, strict: true });
    return await cmd.run(values as Record<string, string | boolean | undefined>, positionals, io);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      line(io.err, `inspectd ${command}: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const e = err as Error & { code?: string };
    line(io.err, `inspectd ${command}: ${e.code ? `[${e.code}] ` : ''}${e.message}`);
    return 1;
  }
}

// Exit explicitly once stdout has drained: a stray handle (a socket a library keeps, a timer)
// must not keep a finished daemon alive, or a replay run and systemd's stop would hang.
const exit = (code: number) => process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
main().then(exit, (err) => {
  process.stderr.write(`inspectd: fatal: ${(err as Error).stack ?? err}\n`);
  exit(1);
});
