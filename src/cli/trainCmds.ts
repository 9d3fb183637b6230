import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Values } from './commands.js';
import { type CliIo, UsageError, line } from './io.js';
import { prepDataset } from './prepDataset.js';

/** Package root (dist/cli/ → ../..), where training/ lives. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function prepDatasetCmd(v: Values, pos: string[], io: CliIo): Promise<number> {
  const [dir, out] = pos;
  const size = Number(v.size);
  const channels = Number(v.channels ?? 1);
  if (!dir || !out) throw new UsageError('prep-dataset needs DIR and OUT.npy');
  if (!Number.isInteger(size) || size < 8) throw new UsageError('--size must be an integer ≥ 8');
  if (channels !== 1 && channels !== 3) throw new UsageError('--channels must be 1 or 3');
  const r = await prepDataset({ dir, out, width: size, height: size, channels, limit: v.limit ? Number(v.limit) : undefined });
  line(io.out, JSON.stringify({ count: r.count, skipped: r.skipped }));
  return 0;
}

/**
 * `inspectd train …` forwards to the python trainer (Debian's python3-torch lives under
 * /usr/bin/python3, not whatever `python3` a user's PATH finds first). INSPECTD_PYTHON overrides.
 */
export async function trainCmd(_v: Values, args: string[], io: CliIo): Promise<number> {
  const python = io.env.INSPECTD_PYTHON ?? '/usr/bin/python3';
  const child = spawn(python, ['-m', 'training', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...io.env } as NodeJS.ProcessEnv });
  child.stdout.pipe(io.out, { end: false });
  child.stderr.pipe(io.err, { end: false });
  const onAbort = () => child.kill('SIGINT');
  io.signal.addEventListener('abort', onAbort);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`cannot start ${python}: ${err.message} (install Debian's python3-torch python3-onnx python3-numpy python3-pil)`)));
    child.once('close', (code) => {
      io.signal.removeEventListener('abort', onAbort);
      resolve(code ?? 1);
    });
  });
}
