/** A CliIo whose two streams are captured as text, for running commands in-process. */
import { PassThrough } from 'node:stream';
import { dispatch } from '../../src/cli/dispatch.js';
import type { CliIo } from '../../src/cli/io.js';

export function capturedIo(cwd: string): { io: CliIo; out: () => string; err: () => string } {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (b) => (o += b));
  err.on('data', (b) => (e += b));
  return { io: { out, err, interactive: false, env: {}, cwd, pid: process.pid, signal: new AbortController().signal }, out: () => o, err: () => e };
}

/** `inspectd ARGS` through the command table: exit code and what it printed. */
export async function cli(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const c = capturedIo(cwd);
  const code = await dispatch(args, c.io);
  return { code, out: c.out(), err: c.err() };
}
