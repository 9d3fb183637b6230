/**
 * An empty secret must not open the dashboard: with `http.token_file` empty, an empty cookie or
 * `?token=` used to get 200 and could set the threshold. Through the built CLI an empty or
 * whitespace-only token_file or password_file (path or systemd credential) is a config problem
 * naming the key and the file; with a real token, the daemon's real HTTP server refuses every
 * empty presented token and accepts the real one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { req, postJson } from '../web/harness.js';
import { runDaemon, startDaemon, stationConfig, tempDir } from './daemon.js';

const t = tempDir('secret');
afterAll(() => t.cleanup());

interface Problem { path: string; line?: number; message: string }

function config(dir: string, edit: Record<string, unknown>): string {
  return stationConfig(dir, { station: 'st-secret', frames: 2, fps: 5, loop: true }, edit);
}

async function refused(cfg: string, env: Record<string, string> = {}): Promise<Problem[]> {
  const v = await runDaemon(['validate-config', '--config', cfg, '--json'], { limitMs: 30_000, env });
  expect(v.code).toBe(2); // validate-config and run share the exit-code table: 2 = usage or config
  const out = JSON.parse(v.stdout) as { valid: boolean; problems: Problem[] };
  expect(out.valid).toBe(false);
  const r = await runDaemon(['run', '--config', cfg], { limitMs: 30_000, env });
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  for (const p of out.problems) expect(r.stderr).toContain(`  - ${p.path} (line ${p.line}): ${p.message}`);
  return out.problems;
}

describe('an empty secret is a config error; an empty presented token never authenticates (built daemon)', () => {
  it.each([
    ['empty', ''],
    ['whitespace-only', ' \n\t \n'],
  ])('an %s http.token_file: validate-config and run exit 2, the problem names the key and the file', async (name, content) => {
    const dir = join(t.dir, `token-${name}`);
    mkdirSync(dir);
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, content);
    const ps = await refused(config(dir, { http: { enabled: true, port: 0, token_file: './token' } }));
    expect(ps).toEqual([{ path: 'http.token_file', line: 7, message: `${tokenFile} is empty or whitespace only (a secret must not be empty)` }]);
  });

  it('an empty mqtt.password_file given as a systemd credential name ($CREDENTIALS_DIRECTORY)', async () => {
    const dir = join(t.dir, 'cred');
    mkdirSync(join(dir, 'creds'), { recursive: true });
    writeFileSync(join(dir, 'creds', 'mqtt-password'), '\n');
    const cfg = config(dir, { mqtt: { url: 'mqtt://127.0.0.1:1', password_file: 'mqtt-password' } });
    const ps = await refused(cfg, { CREDENTIALS_DIRECTORY: join(dir, 'creds') });
    expect(ps).toEqual([{ path: 'mqtt.password_file', line: 6, message: `${join(dir, 'creds', 'mqtt-password')} is empty or whitespace only (a secret must not be empty)` }]);
  });

  it('with a real token, the real server refuses an empty cookie, ?token= and Bearer, and accepts the token', async () => {
    const dir = join(t.dir, 'real');
    mkdirSync(dir);
    writeFileSync(join(dir, 'token'), 's3cret\n');
    const d = startDaemon(['run', '--config', config(dir, { http: { enabled: true, port: 0, token_file: './token' } })], { limitMs: 45_000 });
    await d.until(() => d.logs().some((l) => l.msg === 'dashboard listening'), 'dashboard listening');
    const url = String(d.logs().find((l) => l.msg === 'dashboard listening')!.url);
    try {
      for (const headers of [{ Cookie: 'inspectd_token=' }, { Cookie: 'inspectd_token= ' }, { Authorization: 'Bearer ' }, { Authorization: 'Bearer  ' }]) {
        expect((await req(url, '/api/state', { headers })).status, JSON.stringify(headers)).toBe(401);
        expect((await postJson(url, '/api/threshold', { value: -1 }, headers)).status, JSON.stringify(headers)).toBe(401);
      }
      expect((await req(url, '/?token=')).status).toBe(401);
      expect((await req(url, '/api/state?token=')).status).toBe(401);
      const ok = await req(url, '/api/state', { headers: { Authorization: 'Bearer s3cret' } });
      expect(ok.status).toBe(200);
      expect(ok.json().threshold).not.toBe(-1);
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  });
});
