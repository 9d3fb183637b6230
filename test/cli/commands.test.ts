/**
 * The command line as people meet it: `--help` for every command with each flag's default,
 * `--version`, short usage errors, and one exit-code table shared by run and validate-config.
 * In-process through the command table, then the same through the built CLI.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { COMMANDS } from '../../src/cli/commands.js';
import { EXIT } from '../../src/cli/exitCodes.js';
import { trainArgv } from '../../src/cli/trainCmds.js';
import { cli as runCli } from './io.js';

const ROOT = resolve(__dirname, '../..');
const MAIN = join(ROOT, 'dist/daemon/main.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const tmp = mkdtempSync(join(tmpdir(), 'inspectd-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (args: string[]) => runCli(args, tmp);

/** A config that names a model file that does not exist: valid YAML, would not start. */
function badConfig(): string {
  const f = join(tmp, 'bad.yaml');
  writeFileSync(f, ['station: s1', `camera: { source: replay, path: ${tmp} }`, 'model: { path: nope.onnx }'].join('\n'));
  return f;
}

describe('inspectd CLI (in-process, through the command table)', () => {
  const flagged = Object.entries(COMMANDS).filter(([, c]) => !c.passthrough);

  it.each(flagged.map(([k]) => k))('%s --help: exit 0, every flag with its default or (required)', async (name) => {
    const r = await cli([name, '--help']);
    expect(r.code).toBe(EXIT.OK);
    expect(r.err).toBe('');
    expect(r.out).toMatch(new RegExp(`^usage: inspectd ${name} `));
    const flags = Object.keys(COMMANDS[name].flags);
    expect(flags.length).toBeGreaterThan(0);
    for (const f of flags) {
      const row = r.out.split('\n').find((l) => l.startsWith(`  --${f} `) || l === `  --${f}`);
      expect(row, `--${f}`).toBeDefined();
      expect(row).toMatch(/\((default: [^)]+|required)\)$/);
    }
    expect(r.out).toContain('exit codes');
  });

  it('states the defaults the commands apply', async () => {
    expect((await cli(['eval', '--help'])).out).toMatch(/--workers N +inference worker threads \(default: 2\)/);
    expect((await cli(['prep-dataset', '--help'])).out).toMatch(/--channels 1\|3 +grey or RGB \(default: 1\)/);
    expect((await cli(['run', '-h'])).out).toMatch(/--config FILE +the YAML config \(required\)/);
  });

  it('--version prints the package version', async () => {
    expect(await cli(['--version'])).toEqual({ code: 0, out: `inspectd ${VERSION}\n`, err: '' });
  });

  it.each([
    [['eval', '--good', 'g'], /^inspectd eval: --model is required\nsee: inspectd eval --help\n$/],
    [['calibrate', '--bogus'], /^inspectd calibrate: Unknown option '--bogus'\nsee: inspectd calibrate --help\n$/],
    [['prep-dataset', 'a', 'b.npy', '--size', '4'], /^inspectd prep-dataset: --size must be an integer ≥ 8\nsee: inspectd prep-dataset --help\n$/],
    [['frobnicate'], /^inspectd: unknown command 'frobnicate' \(commands: run, validate-config, .*; see inspectd --help\)\n$/],
    [[], /^usage: inspectd <command>/],
  ])('usage error %j: exit 2, short, on stderr', async (args, re) => {
    const r = await cli(args);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.out).toBe('');
    expect(r.err).toMatch(re);
  });

  it('a config that would not start: validate-config and run both exit 2', async () => {
    const cfg = badConfig();
    const v = await cli(['validate-config', '--config', cfg]);
    expect(v.code).toBe(EXIT.USAGE);
    expect(v.err).toMatch(/model\.path .*file not found/);
    const r = await cli(['run', '--config', cfg]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toContain('refusing to start');
  });

  it('train is one word: options go to the python train step, a named step or global options are placed for argparse', () => {
    expect(trainArgv(['--data', 'd', '--name', 'n'])).toEqual(['-m', 'training', 'train', '--data', 'd', '--name', 'n']);
    expect(trainArgv(['--help'])).toEqual(['-m', 'training', 'train', '--help']);
    expect(trainArgv(['finalize-head', '--name', 'h'])).toEqual(['-m', 'training', 'finalize-head', '--name', 'h']);
    expect(trainArgv(['--data', 'd', '--threads', '4', '--runs=/r'])).toEqual(['-m', 'training', '--threads', '4', '--runs=/r', 'train', '--data', 'd']);
  });
});

describe('inspectd CLI (the built dist/daemon/main.js)', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });

  it('--version, <command> --help, usage and config errors give the documented exit codes', () => {
    const v = run(['--version']);
    expect([v.status, v.stdout]).toEqual([0, `inspectd ${VERSION}\n`]);
    const h = run(['calibrate', '--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/--png FILE +write the score histogram as PNG \(default: none\)/);
    const u = run(['eval']);
    expect([u.status, u.stdout, u.stderr]).toEqual([2, '', 'inspectd eval: --model is required\nsee: inspectd eval --help\n']);
    const c = run(['validate-config', '--config', badConfig()]);
    expect(c.status).toBe(2);
  });

  it('train --help reaches the python trainer: every option with its default', () => {
    const r = run(['train', '--help']);
    expect(r.status).toBe(0);
    const text = r.stdout.replace(/\s+/g, ' ');
    for (const s of ['usage: python3 -m training train', '--epochs EPOCHS (default: 40)', '--data DATA folder of good training images (required)', '--holdout HOLDOUT (default: 0.05)']) expect(text).toContain(s);
  });
});
