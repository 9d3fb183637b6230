import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const UNIT = resolve(__dirname, '../../systemd/inspectd.service');
const ANALYZE = '/usr/bin/systemd-analyze';

/** `systemd-analyze verify` output lines for a unit; unknown keys etc. are warnings with rc 0, so the text is what counts. */
function verify(file: string): Promise<{ rc: number; lines: string[] }> {
  return new Promise((done) => {
    execFile(ANALYZE, ['verify', file], { env: { ...process.env, SYSTEMD_LOG_COLOR: '0' } }, (err, stdout, stderr) => {
      const rc = err ? ((err as { code?: number }).code ?? 1) : 0;
      done({ rc, lines: `${stdout}${stderr}`.split('\n').map((l) => l.trim()).filter(Boolean) });
    });
  });
}

function keys(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('[')) continue;
    const i = line.indexOf('=');
    const k = line.slice(0, i);
    m.set(k, [...(m.get(k) ?? []), line.slice(i + 1)]);
  }
  return m;
}

describe.skipIf(!existsSync(ANALYZE))('systemd/inspectd.service', () => {
  let dir: string;
  let unit: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inspectd-unit-'));
    unit = await readFile(UNIT, 'utf8');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // verify checks that ExecStart's binary exists; the copy points at the node running this test.
  async function copy(text: string): Promise<string> {
    const p = join(dir, 'inspectd.service');
    await writeFile(p, text.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
    return p;
  }

  it('passes systemd-analyze verify with no complaint at all', async () => {
    const { rc, lines } = await verify(await copy(unit));
    expect(lines).toEqual([]);
    expect(rc).toBe(0);
  });

  it('the check above can fail: a misspelt key is reported', async () => {
    const { lines } = await verify(await copy(unit.replace('WatchdogSec=10', 'WatchdogSecs=10')));
    expect(lines.join('\n')).toMatch(/Unknown key 'WatchdogSecs'/);
  });

  it('leaves the stop (and the reject-pulse drain inside it) comfortably inside TimeoutStopSec, with no reload', async () => {
    const { STOP_DEADLINE_MS } = await import('../../src/cli/runCmd.js');
    const { drainBoundMs } = await import('../../src/actuate/drain.js');
    const { GpioSchema } = await import('../../src/config/schema.js');
    const k = keys(unit);
    const timeoutStopMs = Number(k.get('TimeoutStopSec')?.at(-1)) * 1000;
    // The largest travel and pulse the config accepts.
    const accepts = (g: Record<string, number>) => GpioSchema.safeParse({ backend: 'sim', ...g }).success;
    expect(accepts({ travel_ms: 5000, pulse_ms: 1000 })).toBe(true);
    expect(accepts({ travel_ms: 5001 }) || accepts({ pulse_ms: 1001 })).toBe(false);
    const worst = drainBoundMs({ travelMs: 5000, pulseMs: 1000, strobeMs: 10 });
    expect(worst).toBeLessThan(STOP_DEADLINE_MS);
    expect(STOP_DEADLINE_MS + 3000).toBeLessThanOrEqual(timeoutStopMs);
    expect(k.has('ExecReload')).toBe(false); // SIGHUP is a stop, not a reload (README)
  });

  it('declares supervision, identity, secrets and a sandbox that still reaches GPIO and cameras', () => {
    const k = keys(unit);
    const one = (name: string) => k.get(name)?.at(-1);
    expect(one('Type')).toBe('notify');
    expect(one('WatchdogSec')).toBe('10');
    expect(one('Restart')).toBe('always');
    expect(one('RestartSec')).toBe('2');
    expect(one('TimeoutStopSec')).toBe('15');
    expect(one('User')).toBe('inspectd');
    expect(one('SupplementaryGroups')?.split(' ')).toEqual(['gpio', 'video']);
    expect(one('StateDirectory')).toBe('inspectd');
    expect(one('ExecStart')).toBe('/usr/bin/node /opt/inspectd/dist/daemon/main.js run --config /etc/inspectd/config.yaml');
    expect(one('LoadCredential')).toBe('mqtt-password:/etc/inspectd/mqtt-password');
    for (const [key, v] of [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes'], ['ProtectKernelTunables', 'yes'], ['DevicePolicy', 'closed']]) {
      expect(one(key), key).toBe(v);
    }
    expect(k.get('DeviceAllow')).toEqual(expect.arrayContaining(['char-gpiochip rw', 'char-video4linux rw']));
    expect(one('RestrictAddressFamilies')?.split(' ')).toEqual(expect.arrayContaining(['AF_UNIX', 'AF_INET', 'AF_INET6']));
    expect(k.has('PrivateDevices')).toBe(false); // would hide /dev/gpiochip* and /dev/video*
  });
});

describe.skipIf(!existsSync(ANALYZE))('systemd/inspectd@.service (one station per instance)', () => {
  const TEMPLATE = resolve(__dirname, '../../systemd/inspectd@.service');
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inspectd-unit@-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an instance passes systemd-analyze verify with no complaint at all', async () => {
    const p = join(dir, 'inspectd@cam1.service');
    await writeFile(p, (await readFile(TEMPLATE, 'utf8')).replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
    const { rc, lines } = await verify(p);
    expect(lines).toEqual([]);
    expect(rc).toBe(0);
  });

  it('is inspectd.service but for its name, its config file and its own state folder', async () => {
    const single = keys(await readFile(UNIT, 'utf8'));
    const template = keys(await readFile(TEMPLATE, 'utf8'));
    const differ = [...new Set([...single.keys(), ...template.keys()])].filter((k) => JSON.stringify(single.get(k)) !== JSON.stringify(template.get(k)));
    expect(differ.sort()).toEqual(['Description', 'ExecStart', 'StateDirectory']);
    expect(template.get('ExecStart')).toEqual(['/usr/bin/node /opt/inspectd/dist/daemon/main.js run --config /etc/inspectd/%i.yaml']);
    expect(template.get('StateDirectory')).toEqual(['inspectd inspectd/%i']);
    expect(template.get('ReadWritePaths')).toEqual(['/var/lib/inspectd']);
  });
});
