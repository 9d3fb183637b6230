/** Config for the control-layer adapters: opcua (server, security, users) and mqtt.sparkplug. */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type ConfigProblem } from '../../src/config/load.js';

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'inspectd-cfg-plant-'));
  mkdirSync(join(dir, 'frames'));
  writeFileSync(join(dir, 'm.onnx'), 'x');
  const write = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
  return { dir, write, config: (extra: string) => write('c.yaml', ['station: s1', 'camera: { source: replay, path: frames }', 'model: { path: m.onnx }', extra].join('\n')) };
}

function problems(file: string): ConfigProblem[] {
  try {
    loadConfig(file);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}
const at = (ps: ConfigProblem[], path: string) => ps.find((p) => p.path === path);

describe('opcua config', () => {
  it('is off by default, and when on: loopback, sign & encrypt only, anonymous off, PKI beside the database', () => {
    const f = fixture();
    const off = loadConfig(f.config(''));
    expect(off.opcua).toMatchObject({ enabled: false, host: '127.0.0.1', port: 4840, security_modes: ['sign_and_encrypt'], anonymous: false, users: [], trust_unknown_clients: false });
    expect(off.opcua.security_policies).toEqual(['Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss']);
    f.write('pw', 'secret\n');
    const on = loadConfig(f.config('opcua: { enabled: true, pki_dir: state/pki, users: [{ username: op, password_file: ./pw }] }'));
    expect(on.opcua.pki_dir).toBe(join(f.dir, 'state', 'pki'));
    expect(on.opcua.users).toEqual([{ username: 'op', password_file: join(f.dir, 'pw'), role: 'operator' }]);
  });

  it('refuses an empty password file, naming the user entry and its line', () => {
    const f = fixture();
    f.write('empty', '  \n');
    const ps = problems(f.config(['opcua:', '  enabled: true', '  users:', '    - username: op', '      password_file: ./empty'].join('\n')));
    const p = at(ps, 'opcua.users.0.password_file');
    expect(p?.message).toBe(`${join(f.dir, 'empty')} is empty or whitespace only (a secret must not be empty)`);
    expect(p?.line).toBe(8);
    const missing = problems(f.config('opcua: { enabled: true, users: [{ username: op, password_file: ./nope }] }'));
    expect(at(missing, 'opcua.users.0.password_file')?.message).toMatch(new RegExp(`^cannot read ${join(f.dir, 'nope')}`));
  });

  it('refuses a missing certificate file, and a certificate without its key', () => {
    const f = fixture();
    f.write('pw', 'secret');
    const users = 'users: [{ username: op, password_file: ./pw }]';
    const missing = problems(f.config(`opcua: { enabled: true, ${users}, certificate_file: ./nope.pem, private_key_file: ./nope.key }`));
    expect(at(missing, 'opcua.certificate_file')?.message).toBe(`file not found: ${join(f.dir, 'nope.pem')}`);
    expect(at(missing, 'opcua.private_key_file')?.message).toBe(`file not found: ${join(f.dir, 'nope.key')}`);
    f.write('cert.pem', 'x');
    const half = problems(f.config(`opcua: { enabled: true, ${users}, certificate_file: ./cert.pem }`));
    expect(at(half, 'opcua.private_key_file')?.message).toMatch(/go together: give both or neither/);
  });

  it('refuses a server nobody can log in to, duplicate users and unknown security modes', () => {
    const f = fixture();
    expect(at(problems(f.config('opcua: { enabled: true }')), 'opcua.users')?.message).toMatch(/nobody can log in/);
    f.write('pw', 'secret');
    const dup = problems(f.config('opcua: { enabled: true, users: [{ username: op, password_file: ./pw }, { username: op, password_file: ./pw }] }'));
    expect(at(dup, 'opcua.users')?.message).toBe("opcua.users lists 'op' twice");
    expect(at(problems(f.config('opcua: { enabled: true, anonymous: true, security_modes: [basic] }')), 'opcua.security_modes.0')).toBeDefined();
    expect(at(problems(f.config('opcua: { enabled: true, anonymous: true, security_policies: [Basic128Rsa15] }')), 'opcua.security_policies.0')).toBeDefined();
  });

  it('does not read password files or check certificates while opcua is off', () => {
    const f = fixture();
    f.write('empty', '');
    const cfg = loadConfig(f.config('opcua: { enabled: false, users: [{ username: op, password_file: ./empty }], certificate_file: ./nope.pem, private_key_file: ./nope.key }'));
    expect(cfg.opcua.enabled).toBe(false);
  });
});

describe('mqtt.sparkplug config', () => {
  it('is off by default with group inspectd and device inspection; the edge node id defaults to the station later', () => {
    const f = fixture();
    expect(loadConfig(f.config('')).mqtt.sparkplug).toEqual({ enabled: false, group_id: 'inspectd', device_id: 'inspection' });
  });

  it('needs a broker and ids that are single topic levels', () => {
    const f = fixture();
    expect(at(problems(f.config('mqtt: { url: "", sparkplug: { enabled: true } }')), 'mqtt.sparkplug.enabled')?.message).toMatch(/needs a broker/);
    const ps = problems(f.config('mqtt: { sparkplug: { enabled: true, group_id: "a/b", edge_node_id: "x+", device_id: "#" } }'));
    expect(at(ps, 'mqtt.sparkplug.group_id')?.message).toMatch(/must not contain/);
    expect(at(ps, 'mqtt.sparkplug.edge_node_id')?.message).toMatch(/must not contain/);
    expect(at(ps, 'mqtt.sparkplug.device_id')?.message).toMatch(/must not contain/);
  });
});
