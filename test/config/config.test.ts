import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblem, loadConfig, parseConfig } from '../../src/config/load.js';

function fixture(): { dir: string; write: (name: string, text: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'inspectd-cfg-'));
  mkdirSync(join(dir, 'frames'));
  mkdirSync(join(dir, 'models'));
  writeFileSync(join(dir, 'models', 'm.onnx'), 'x');
  return { dir, write: (name, text) => (writeFileSync(join(dir, name), text), join(dir, name)) };
}

const minimal = ['station: s1', 'camera: { source: replay, path: frames }', 'model: { path: models/m.onnx }'].join('\n');

function problems(text: string, file?: string) {
  try {
    file ? loadConfig(file) : parseConfig(text, join(tmpdir(), 'x.yaml'));
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('fills defaults, resolves paths against the file, and freezes the result', () => {
    const f = fixture();
    const cfg = loadConfig(f.write('c.yaml', minimal));
    expect(cfg.camera.path).toBe(join(f.dir, 'frames'));
    expect(cfg.model.path).toBe(join(f.dir, 'models', 'm.onnx'));
    expect(cfg.model.threshold).toBe('auto');
    expect(cfg.gpio.backend).toBe('sim');
    expect(cfg.gpio.on_error).toBe('reject');
    expect(cfg.http.host).toBe('127.0.0.1');
    expect(cfg.modbus.host).toBe('127.0.0.1');
    expect(cfg.storage.database).toBe(join(f.dir, 'data', 'inspectd.db'));
    expect(Object.isFrozen(cfg.camera)).toBe(true);
    expect(() => ((cfg as any).station = 'x')).toThrow();
  });

  it('lists every problem at once, with key paths and YAML lines', () => {
    const f = fixture();
    const file = f.write('bad.yaml', [
      'station: "has space"',        // 1
      'camera:',                     // 2
      '  source: webcam',            // 3
      '  fps: fast',                 // 4
      'model:',                      // 5
      '  path: models/missing.onnx', // 6
      '  threshold: 2',              // 7
      'gpio: { backend: gpiod }',    // 8
      'mqtt: { url: "nope", qos: 2 }', // 9
    ].join('\n'));
    const ps = problems('', file);
    const by = (p: string) => ps.find((x) => x.path === p);
    expect(by('station')?.line).toBe(1);
    expect(by('camera.source')?.line).toBe(3);
    expect(by('camera.fps')?.line).toBe(4);
    expect(by('model.threshold')?.line).toBe(7);
    expect(by('gpio.chip')?.message).toMatch(/chip label/);
    expect(by('gpio.lines.reject')).toBeDefined();
    expect(by('mqtt.qos')?.message).toBe("unknown key 'qos'");
    expect(by('model.path')?.message).toMatch(/file not found/);
    expect(ps.length).toBeGreaterThanOrEqual(8);
  });

  it.each([
    ['YAML syntax', 'station: [unclosed', /YAML/],
    ['duplicate key', 'station: a\nstation: b', /YAML/],
    ['missing sections', 'station: a', /Invalid input|expected object|required/i],
    ['replay needs a path', 'station: a\ncamera: { source: replay }\nmodel: { path: x.onnx }', /camera.path is required/],
    ['gpio trigger needs a line', 'station: a\ncamera: { source: libcamera, trigger: { mode: gpio } }\nmodel: { path: x.onnx }', /trigger.line/],
    ['wildcard in prefix', 'station: a\ncamera: { source: libcamera }\nmodel: { path: x.onnx }\nmqtt: { topic_prefix: "a/#" }', /wildcards/],
    ['a travel time a stop cannot drain', 'station: a\ncamera: { source: libcamera }\nmodel: { path: x.onnx }\ngpio: { travel_ms: 60000 }', /gpio.travel_ms: travel_ms must be <= 5000/],
    ['mqtts embedded broker', 'station: a\ncamera: { source: libcamera }\nmodel: { path: x.onnx }\nmqtt: { url: "mqtts://h:8883", embedded_broker: true }', /embedded broker/],
  ])('refuses %s', (_name, text, re) => {
    const ps = problems(text);
    expect(ps.map((p) => `${p.path}: ${p.message}`).join('\n')).toMatch(re);
  });

  it('places YAML syntax errors by line and column, and names a duplicated key', () => {
    const dup = problems('station: a\ncamera:\n  source: replay\n  source: file\n');
    expect(dup).toHaveLength(1);
    expect(dup[0]).toMatchObject({ line: 4, column: 3 });
    expect(dup[0].message).toMatch(/Map keys must be unique.*'source'/);
    expect(formatProblem(dup[0])).toMatch(/^ {2}- \(root\) \(line 4, column 3\): YAML: /);
    const unclosed = problems('station: a\nmodel: { path: "x.onnx }\n');
    expect(unclosed[0].line).toBeGreaterThanOrEqual(2);
    expect(unclosed[0].column).toBeGreaterThan(0);
  });

  it('treats a bare password_file name as a systemd credential, a path as a file', () => {
    const f = fixture();
    const a = loadConfig(f.write('a.yaml', minimal + '\nmqtt: { password_file: mqtt-password }'));
    expect(a.mqtt.password_file).toBe('mqtt-password');
    f.write('secret', 'pw\n');
    const b = loadConfig(f.write('b.yaml', minimal + '\nmqtt: { password_file: ./secret }'));
    expect(b.mqtt.password_file).toBe(join(f.dir, 'secret'));
  });

  it('checks the secrets the daemon will read: empty, whitespace-only or missing is a problem; unused ones are not read', () => {
    const f = fixture();
    f.write('empty', '');
    f.write('blank', ' \t\n');
    f.write('creds-empty', '\n');
    const at = (ps: Array<{ path: string; message: string }>, path: string) => ps.find((p) => p.path === path)?.message;
    const ps = problems('', f.write('a.yaml', minimal + '\nmqtt: { password_file: ./blank }\nhttp: { token_file: ./empty }'));
    expect(at(ps, 'http.token_file')).toBe(`${join(f.dir, 'empty')} is empty or whitespace only (a secret must not be empty)`);
    expect(at(ps, 'mqtt.password_file')).toBe(`${join(f.dir, 'blank')} is empty or whitespace only (a secret must not be empty)`);
    expect(at(problems('', f.write('b.yaml', minimal + '\nhttp: { token_file: ./nope }')), 'http.token_file')).toMatch(/cannot read .*nope: ENOENT/);
    // Listed with the schema problems of an invalid config too.
    expect(problems('', f.write('c.yaml', minimal + '\ncolour: red\nhttp: { token_file: ./empty }')).map((p) => p.path).sort()).toEqual(['colour', 'http.token_file']);
    // A credential name is checked where systemd puts it; without $CREDENTIALS_DIRECTORY it cannot be seen, so it is left to start.
    const cred = f.write('d.yaml', minimal + '\nhttp: { token_file: creds-empty }');
    expect(() => loadConfig(cred, { env: { CREDENTIALS_DIRECTORY: f.dir } })).toThrow(/http\.token_file.*creds-empty is empty/);
    expect(loadConfig(cred, { env: {} }).http.token_file).toBe('creds-empty');
    // Not read when the feature that uses it is off.
    expect(loadConfig(f.write('e.yaml', minimal + '\nmqtt: { url: "", password_file: ./empty }\nhttp: { enabled: false, token_file: ./empty }')).mqtt.url).toBe('');
  });

  it('nesting: exactly 32 levels parse, 33 are refused at the line that goes too deep', () => {
    // The top-level map is level 1, so 31 flow sequences inside it reach 32.
    const nest = (n: number) => `${minimal}\nx:\n  ${'['.repeat(n)}${']'.repeat(n)}`;
    const at32 = problems(nest(31)).map((p) => p.message); // parsed: only the schema objects
    expect(at32).toContain("unknown key 'x'");
    expect(at32.join('\n')).not.toMatch(/nested|YAML/);
    expect(problems(nest(32))).toEqual([{ path: '', line: 5, message: 'YAML nested deeper than 32 levels' }]);
  });
});
