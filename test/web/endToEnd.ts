/**
 * The built daemon replaying the casting samples with the dashboard on a free port, for the
 * headless-Chromium tests (the browser itself and the dist/ rebuild are in browser.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitFor } from '../helpers/mosquitto.js';
import { CLI } from './browser.js';
import { ROOT } from './harness.js';

export { CHROMIUM, CLI, ensureBuilt, launchChromium } from './browser.js';
/** The shipped model when it exists, else the tiny fixture (untrained: every part scores alike). */
export const MODEL = existsSync(join(ROOT, 'models/casting-int8.onnx')) ? join(ROOT, 'models/casting-int8.onnx') : join(ROOT, 'test/fixtures/model/tiny_gray.onnx');
export const SAMPLES = join(ROOT, 'samples/casting');

export interface ReplayDaemon {
  url: string;
  child: ChildProcess;
  exit: Promise<number | null>;
}

/**
 * `inspectd run` on a config in `dir` (database, images and GPIO log there too), replaying the
 * samples in a loop; resolves once /healthz answers 200. `lines` are extra top-level config lines.
 */
export async function startReplayDaemon(o: { dir: string; station: string; fps: number; mqtt?: string; lines?: string[]; onOutput: (s: string) => void }): Promise<ReplayDaemon> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const cfg = join(o.dir, 'config.yaml');
  writeFileSync(cfg, [
    `station: ${o.station}`,
    `camera: { source: replay, path: "${SAMPLES}", fps: ${o.fps}, loop: true }`,
    `model: { path: "${MODEL}", threshold: auto }`,
    `gpio: { backend: sim, sim_log: "${join(o.dir, 'gpio.jsonl')}" }`,
    `storage: { database: "${join(o.dir, 'inspectd.db')}", images: "${join(o.dir, 'images')}" }`,
    `mqtt: ${o.mqtt ?? '{ url: "" }'}`,
    `http: { port: ${port}, stall_s: 5 }`,
    'log: { level: warn }',
    ...(o.lines ?? []),
  ].join('\n'));
  const child = spawn(process.execPath, [CLI, 'run', '--config', cfg], { cwd: o.dir, env: { ...process.env, NOTIFY_SOCKET: '' } });
  let output = '';
  const take = (d: Buffer) => {
    output += d;
    o.onOutput(String(d));
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    await waitFor(async () => (await fetch(`${url}/healthz`).catch(() => null))?.status === 200, `daemon healthy (${url})`, 60_000);
  } catch (err) {
    // The caller never gets the child to clean up: do it here.
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  return { url, child, exit };
}
