/**
 * A data path the daemon cannot write, through the built daemon: `run` refuses to start (exit 2)
 * and says what is wrong for each key — not "ENOENT … mkdir". The folders are made read-only for
 * real (chmod 0555). Root ignores file modes, and CI runs as root: there the daemon is started as
 * uid/gid 65534 (nobody), for whom the modes hold, so the same kernel check is what refuses it.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_MODEL, replayFolder, runDaemon, tempDir, writeConfig } from './daemon.js';

const asRoot = process.getuid?.() === 0;
const user = asRoot ? { uid: 65534, gid: 65534 } : {};
const t = tempDir('rodata');
chmodSync(t.dir, 0o755); // mkdtemp makes it 0700: the unprivileged daemon must reach its config and frames
afterAll(() => {
  for (const d of ['ro', 'data-ro']) if (existsSync(join(t.dir, d))) chmodSync(join(t.dir, d), 0o755);
  t.cleanup();
});

function config(name: string, storage: Record<string, unknown>, gpio: Record<string, unknown> = {}): string {
  const dir = join(t.dir, name);
  mkdirSync(dir, { recursive: true });
  return writeConfig(join(dir, 'config.yaml'), {
    station: 'st-ro',
    camera: { source: 'replay', path: replayFolder(join(dir, 'frames'), 1), fps: 0, loop: false },
    model: { path: FIXTURE_MODEL },
    gpio: { backend: 'sim', ...gpio },
    storage,
    mqtt: { url: '' },
    http: { enabled: false },
  });
}

async function refusal(cfg: string): Promise<string> {
  const r = await runDaemon(['run', '--config', cfg], { limitMs: 30_000, ...user });
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
  expect(r.stderr).toContain('refusing to start');
  expect(r.stderr).not.toMatch(/ENOENT|EACCES/);
  return r.stderr;
}

describe('a read-only data directory is refused with what is wrong (built daemon, real modes)', () => {
  it('the baseline config starts as this user (so each refusal below is for its own path)', async () => {
    const cfg = config('good', { database: 'data/inspectd.db', images: 'data/images' }, { sim_log: 'data/gpio.jsonl' });
    chmodSync(join(t.dir, 'good'), 0o777); // writable by the unprivileged user too
    const r = await runDaemon(['run', '--config', cfg], { limitMs: 30_000, ...user });
    // (stderr may carry onnxruntime's telemetry warning: nobody has no writable home)
    expect({ code: r.code, refused: r.stderr.includes('refusing') }).toEqual({ code: 0, refused: false });
    expect(existsSync(join(t.dir, 'good/data/inspectd.db'))).toBe(true);
  });

  it('data/ cannot be created in a read-only folder: every key that needs it is named, with the folder', async () => {
    const ro = join(t.dir, 'ro');
    const cfg = config('ro', { database: 'data/inspectd.db', images: 'data/images' }, { sim_log: 'data/gpio.jsonl' });
    chmodSync(ro, 0o555);
    const err = await refusal(cfg);
    const why = `— ${ro}/ is not writable: permission denied (owned by another user, or read-only?)`;
    expect(err).toContain(`  - storage.database: cannot create ${ro}/data/ ${why}`);
    expect(err).toContain(`  - storage.images: cannot create ${ro}/data/images/ ${why}`);
    expect(err).toContain(`  - gpio.sim_log: cannot create ${ro}/data/ ${why}`);
    expect(existsSync(join(ro, 'data'))).toBe(false);
  });

  it('data/ exists but is read-only', async () => {
    const cfg = config('data-ro', { database: 'data/inspectd.db', images: 'images' });
    chmodSync(join(t.dir, 'data-ro'), 0o777);
    const data = join(t.dir, 'data-ro', 'data');
    mkdirSync(data, { mode: 0o555 });
    chmodSync(data, 0o555);
    const err = await refusal(cfg);
    expect(err).toContain(`  - storage.database: ${data}/ is not writable — permission denied (owned by another user, or read-only?)`);
    expect(err).not.toContain('storage.images');
  });

  it('a data path under a regular file', async () => {
    const cfg = config('file', { database: 'inspectd.db', images: 'evidence/images' });
    chmodSync(join(t.dir, 'file'), 0o777);
    writeFileSync(join(t.dir, 'file', 'evidence'), 'not a folder');
    const err = await refusal(cfg);
    const ev = join(t.dir, 'file', 'evidence');
    expect(err).toContain(`  - storage.images: cannot create ${ev}/images/ — ${ev} is a file, not a folder`);
  });
});
