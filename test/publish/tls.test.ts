import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPublisher } from '../../src/publish/mqtt.js';
import type { Publisher, PublisherOptions } from '../../src/publish/types.js';
import { startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';
import { recordingLog, tempDir } from '../store/fixtures.js';
import { subscriber } from './clients.js';

let broker: Broker;
let dir: string;
let cleanupDir: () => Promise<void>;
let pem: { ca: string; cert: string; key: string };
const open: Publisher[] = [];

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate, all made by openssl here. */
function makePki(d: string) {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=inspectd-test-ca');
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(d, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext');
  ssl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=station-1');
  writeFileSync(join(d, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2', '-extfile', 'client.ext');
  execFileSync('mosquitto_passwd', ['-b', '-c', join(d, 'passwd'), 'inspectd', 's3cret-pw'], { stdio: 'pipe' });
}

beforeAll(async () => {
  ({ dir, cleanup: cleanupDir } = await tempDir());
  makePki(dir);
  pem = { ca: readFileSync(join(dir, 'ca.crt'), 'utf8'), cert: readFileSync(join(dir, 'client.crt'), 'utf8'), key: readFileSync(join(dir, 'client.key'), 'utf8') };
  broker = await startMosquitto({
    anonymous: false,
    extraConfig: [
      `cafile ${join(dir, 'ca.crt')}`,
      `certfile ${join(dir, 'server.crt')}`,
      `keyfile ${join(dir, 'server.key')}`,
      'require_certificate true',
      `password_file ${join(dir, 'passwd')}`,
    ].join('\n'),
  });
});
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});
afterAll(async () => {
  await broker?.close();
  await cleanupDir?.();
});

const url = () => `mqtts://127.0.0.1:${broker.port}`;

function pub(over: Partial<PublisherOptions>) {
  const log = recordingLog();
  const p = openPublisher({ url: url(), clientId: `tls-${open.length}-${Date.now()}`, station: 'secure', topicPrefix: 'tls', log, reconnectMinMs: 100, reconnectMaxMs: 300, ...over });
  open.push(p);
  return { p, log };
}

describe('MQTT over TLS with client certificate and password (mosquitto, openssl-made PKI)', () => {
  it('connects with mqtts + CA + client certificate + username/password', async () => {
    const { p } = pub({ ...pem, username: 'inspectd', password: 's3cret-pw' });
    await waitFor(() => p.connected, 'TLS connect');
    const s = await subscriber(url(), ['tls/secure/status'], { ...pem, username: 'inspectd', password: 's3cret-pw' });
    await waitFor(() => s.msgs.length > 0, 'status over TLS');
    expect(s.msgs[0]).toMatchObject({ payload: 'online', retain: true });
    await s.close();
    expect(p.stats()).toMatchObject({ auth_failures: 0 });
  });

  it('a wrong password is refused: the publisher keeps running, reports MQTT_AUTH, keeps retrying', async () => {
    const { p, log } = pub({ ...pem, username: 'inspectd', password: 'wrong' });
    await waitFor(() => p.stats().auth_failures >= 2, 'refused twice (it retries)');
    expect(p.connected).toBe(false);
    expect(p.stats().last_error).toMatchObject({ code: 'MQTT_AUTH', message: expect.stringMatching(/Not authorized|Bad User Name or Password/i) });
    expect(log.entries.filter((e) => e.obj.code === 'MQTT_AUTH')).toHaveLength(1); // logged once, not per retry
    expect(() => p.publishStats({ station: 'secure', ts: 1, inspected: 0, passed: 0, rejected: 0, errors: 0, dropped: 0, fps: 0, latency_p50_ms: 0, latency_p99_ms: 0 })).not.toThrow();
  });

  it('a broker certificate from an unknown CA is refused (MQTT_TLS), never silently accepted', async () => {
    const { p } = pub({ cert: pem.cert, key: pem.key, username: 'inspectd', password: 's3cret-pw' });
    await waitFor(() => p.stats().errors >= 1, 'TLS error');
    expect(p.connected).toBe(false);
    expect(p.stats().last_error?.code).toBe('MQTT_TLS');
  });

  it('without a client certificate the broker refuses the connection', async () => {
    const { p } = pub({ ca: pem.ca, username: 'inspectd', password: 's3cret-pw' });
    await waitFor(() => p.stats().errors >= 1, 'handshake refused');
    expect(p.connected).toBe(false);
  });
});
