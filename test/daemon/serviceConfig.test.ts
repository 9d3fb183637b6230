/**
 * The service config example (systemd/config.service.yaml) names only absolute paths under
 * /opt/inspectd and /var/lib/inspectd, and passes validate-config (the built CLI) once that tree
 * exists as the README's service steps build it (here under a temp root).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

const ROOT = resolve(__dirname, '../..');
const TEXT = readFileSync(join(ROOT, 'systemd/config.service.yaml'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'inspectd-svc-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('systemd/config.service.yaml', () => {
  it('names every file and folder by an absolute path under /opt/inspectd or /var/lib/inspectd', () => {
    const c = parse(TEXT);
    const paths = [c.camera.path, c.model.path, c.gpio.sim_log, c.storage.database, c.storage.images];
    for (const p of paths) expect(p).toMatch(/^\/(opt\/inspectd|var\/lib\/inspectd)\//);
    for (const p of [c.gpio.sim_log, c.storage.database, c.storage.images]) expect(p).toMatch(/^\/var\/lib\/inspectd\//); // the only writable place
  });

  it('validate-config accepts it against the installed tree (the README steps, under a temp root)', () => {
    const opt = join(tmp, 'opt/inspectd');
    mkdirSync(join(opt, 'models'), { recursive: true });
    mkdirSync(join(opt, 'samples/casting'), { recursive: true });
    mkdirSync(join(tmp, 'var/lib/inspectd'), { recursive: true });
    for (const f of ['casting-int8.onnx', 'casting-int8.card.json']) copyFileSync(join(ROOT, 'models', f), join(opt, 'models', f));
    const cfg = join(tmp, 'etc/inspectd/config.yaml');
    mkdirSync(join(tmp, 'etc/inspectd'), { recursive: true });
    writeFileSync(cfg, TEXT.replaceAll('/opt/inspectd/', `${opt}/`).replaceAll('/var/lib/inspectd/', `${tmp}/var/lib/inspectd/`));
    const run = (file: string) => spawnSync(process.execPath, [join(ROOT, 'dist/daemon/main.js'), 'validate-config', '--config', file], { encoding: 'utf8', timeout: 60_000 });
    const ok = run(cfg);
    expect(ok.stderr).toBe('');
    expect([ok.status, ok.stdout]).toEqual([0, `${cfg}: valid\n`]);
    // The premise: the repository's config.yaml copied to /etc/inspectd names files that are not beside it.
    const copied = join(tmp, 'etc/inspectd/plain.yaml');
    copyFileSync(join(ROOT, 'config.yaml'), copied);
    const bad = run(copied);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/model\.path .*file not found/);
  });

  it("the README's service steps install this file and only the production dependencies", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('sudo cp systemd/config.service.yaml /etc/inspectd/config.yaml');
    expect(readme).toMatch(/cd \/opt\/inspectd && sudo npm ci --omit=dev/);
    expect(readme).not.toMatch(/sudo cp config\.yaml \/etc\/inspectd/);
  });
});
