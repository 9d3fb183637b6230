#!/usr/bin/env node
/**
 * The process entry: the only module that touches `process` (argv, env, signals, exit code).
 * Everything it runs is a plain function that takes a CliIo and returns an exit code, so tests
 * call commands in-process and the process test runs this file as a real child.
 */
import type { CliIo } from '../cli/index.js';
import { abortOnStopSignals, stopSignals } from './signals.js';

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const abort = new AbortController();
  abortOnStopSignals(process, stopSignals(command), abort, process.stderr);
  // Loaded after the signal handlers: loading every command takes ~0.5 s on a loaded machine, and a
  // SIGTERM in that window would otherwise kill the process with no stop.
  const { dispatch } = await import('../cli/index.js');
  const io: CliIo = { out: process.stdout, err: process.stderr, interactive: Boolean(process.stderr.isTTY), outIsTTY: Boolean(process.stdout.isTTY), env: process.env, cwd: process.cwd(), pid: process.pid, signal: abort.signal };
  return dispatch([command, ...rest].filter((a) => a !== undefined), io);
}

// Exit explicitly once stdout has drained: a stray handle (a socket a library keeps, a timer)
// must not keep a finished daemon alive, or a replay run and systemd's stop would hang.
const exit = (code: number) => process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
main().then(exit, (err) => {
  process.stderr.write(`inspectd: fatal: ${(err as Error).stack ?? err}\n`);
  exit(1);
});
