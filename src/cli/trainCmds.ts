import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type CliIo, UsageError, line, type Values } from './io.js';
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

/** The python CLI's subcommands (training/cli.py, head_cli.py); anything else is `train`'s options. */
const PY_COMMANDS = new Set(['train', 'finalize', 'eval', 'debug-grid', 'head', 'finalize-head', 'compare']);
/** The python CLI's global options: argparse takes them before the subcommand only. */
const PY_GLOBALS = new Set(['--runs', '--threads']);

/**
 * `inspectd train --data D --name N` is `python3 -m training train --data D --name N`: one word
 * for the common case, `--help` lands on train's own help (every option with its default), and a
 * python subcommand named first (`inspectd train finalize-head …`) is forwarded as it is.
 */
export function trainArgv(args: string[]): string[] {
  const globals: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [flag] = args[i].split('=', 1);
    if (!PY_GLOBALS.has(flag)) rest.push(args[i]);
    else if (args[i].includes('=')) globals.push(args[i]);
    else globals.push(args[i], ...args.slice(i + 1, (i += 1) + 1));
  }
  const sub = rest[0] !== undefined && PY_COMMANDS.has(rest[0]) ? [] : ['train'];
  return ['-m', 'training', ...globals, ...sub, ...rest];
}

/**
 * `inspectd train …` forwards to the python trainer (Debian's python3-torch lives under
 * /usr/bin/python3, not whatever `python3` a user's PATH finds first). INSPECTD_PYTHON overrides.
 */
export async function trainCmd(_v: Values, args: string[], io: CliIo): Promise<number> {
  const python = io.env.INSPECTD_PYTHON ?? '/usr/bin/python3';
  const child = spawn(python, trainArgv(args), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...io.env } as NodeJS.ProcessEnv });
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
