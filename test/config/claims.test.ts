/**
 * What a station claims on its box, and which pairs of configs collide (pure; the daemon holding
 * the claims is test/reliability/stationClaims.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { brokerAddress, crossCollisions, mqttClientId, selfCollisions, stationClaims } from '../../src/config/claims.js';
import { ConfigSchema, type Config } from '../../src/config/schema.js';

const base = { camera: { source: 'replay', path: '/frames' }, model: { path: '/m.onnx' } };
type Sections = Record<string, Record<string, unknown> | string>;
const cfg = (station: string, edit: Sections = {}): Config =>
  ConfigSchema.parse({ station, ...base, storage: { database: `/s/${station}.db`, images: `/s/${station}-img` }, http: { port: 0 }, ...edit });
const ctx = { hostname: 'box1' };
const keys = (c: Config) => stationClaims(c, ctx).map((x) => x.key);
const cross = (...cs: Array<[string, Config]>) =>
  crossCollisions(cs.map(([file, c]) => ({ file, station: c.station, claims: stationClaims(c, ctx) })));

describe('stationClaims', () => {
  it('the defaults: dashboard port 8080, database, images, sim log, client id and topics on the default broker', () => {
    const c = ConfigSchema.parse({ station: 'cam1', ...base, gpio: { sim_log: '/s/gpio.jsonl' } });
    expect(stationClaims(c, ctx)).toEqual([
      { key: 'tcp:8080', what: 'TCP port 8080 (dashboard)', path: 'http.port' },
      { key: 'path:data/inspectd.db', what: 'SQLite database data/inspectd.db', path: 'storage.database' },
      { key: 'path:data/images', what: 'images folder data/images', path: 'storage.images' },
      { key: 'path:/s/gpio.jsonl', what: 'sim GPIO log /s/gpio.jsonl', path: 'gpio.sim_log' },
      { key: 'mqtt-client:loopback:1883/inspectd-cam1-box1', what: "MQTT client id 'inspectd-cam1-box1' on broker loopback:1883", path: 'mqtt.client_id' },
      { key: 'mqtt-topics:loopback:1883/inspectd/cam1/', what: 'MQTT topics inspectd/cam1/# on broker loopback:1883', path: 'station' },
    ]);
    expect(mqttClientId(c, 'box1')).toBe('inspectd-cam1-box1');
  });

  it('port 0, a disabled dashboard or Modbus, MQTT off and sim GPIO hold nothing of theirs', () => {
    const c = cfg('cam1', { http: { enabled: false, port: 8080 }, modbus: { enabled: false }, mqtt: { url: '' }, gpio: { backend: 'sim', lines: { reject: { offset: 17 } } } });
    expect(keys(c)).toEqual(['path:/s/cam1.db', 'path:/s/cam1-img']);
    expect(keys(cfg('cam1', { modbus: { enabled: true, port: 0 }, mqtt: { url: '' } }))).toEqual(['path:/s/cam1.db', 'path:/s/cam1-img']);
  });

  it('Modbus and the embedded broker claim their ports; only the station that would host the broker', () => {
    const host = cfg('a', { modbus: { enabled: true, port: 5020 }, mqtt: { url: 'mqtt://127.0.0.1:1884', embedded_broker: true } });
    expect(keys(host)).toEqual(expect.arrayContaining(['tcp:5020', 'tcp:1884']));
    expect(keys(cfg('b', { mqtt: { url: 'mqtt://127.0.0.1:1884' } }))).not.toContain('tcp:1884');
  });

  it('gpiod lines by chip label and offset, the photo-eye input too; v4l2 device and libcamera index', () => {
    const c = cfg('a', {
      gpio: { backend: 'gpiod', chip: 'pinctrl-rp1', lines: { reject: { offset: 17 }, ready: { offset: 27 } } },
      camera: { source: 'libcamera', index: 1, trigger: { mode: 'gpio', line: { offset: 5 } } },
      mqtt: { url: '' },
    });
    expect(keys(c)).toEqual(['path:/s/a.db', 'path:/s/a-img', 'gpio:pinctrl-rp1:17', 'gpio:pinctrl-rp1:27', 'gpio:pinctrl-rp1:5', 'camera:libcamera:1']);
    expect(keys(cfg('b', { camera: { source: 'libcamera' }, mqtt: { url: '' } }))).toContain('camera:libcamera:0');
    expect(keys(cfg('c', { camera: { source: 'v4l2', path: '/dev/video0' }, mqtt: { url: '' } }))).toContain('camera:/dev/video0');
  });

  it('paths through the canonical() given (symlinks resolved by the caller)', () => {
    const c = cfg('a', { mqtt: { url: '' } });
    expect(stationClaims(c, { ...ctx, canonical: (p) => p.replace('/s/', '/real/') }).map((x) => x.key)).toEqual(['path:/real/a.db', 'path:/real/a-img']);
  });
});

describe('camera.index', () => {
  it('selects a libcamera camera; on another source it is a config error', () => {
    expect(ConfigSchema.parse({ station: 's', camera: { source: 'libcamera', index: 1 }, model: base.model }).camera.index).toBe(1);
    const r = ConfigSchema.safeParse({ station: 's', camera: { source: 'v4l2', path: '/dev/video0', index: 1 }, model: base.model });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['camera.index', "camera.index selects a libcamera camera; source 'v4l2' takes camera.path"]]);
  });
});

describe('brokerAddress', () => {
  it.each([
    ['mqtt://127.0.0.1:1883', 'loopback', 1883],
    ['mqtt://localhost', 'loopback', 1883],
    ['mqtt://[::1]:1999', 'loopback', 1999],
    ['mqtts://Broker.Plant:8884', 'broker.plant', 8884],
    ['mqtts://broker', 'broker', 8883],
  ])('%s → %s:%d', (url, host, port) => expect(brokerAddress(url)).toEqual({ host, port }));
  it('null when it does not parse', () => expect(brokerAddress('not a url')).toBeNull());
});

describe('collisions', () => {
  it('two stations of one box: each file gets a problem per shared resource, naming the other', () => {
    const a = cfg('cam1', { http: { port: 8081 }, storage: { database: '/s/shared.db', images: '/s/a-img' } });
    const b = cfg('cam2', { modbus: { enabled: true, port: 8081 }, storage: { database: '/s/shared.db', images: '/s/b-img' } });
    const out = cross(['a.yaml', a], ['b.yaml', b]);
    expect(out.get('a.yaml')).toEqual([
      { path: 'http.port', message: 'TCP port 8081 (dashboard) is also claimed by station cam2 (b.yaml, modbus.port)' },
      { path: 'storage.database', message: 'SQLite database /s/shared.db is also claimed by station cam2 (b.yaml, storage.database)' },
    ]);
    expect(out.get('b.yaml')!.map((p) => p.path)).toEqual(['modbus.port', 'storage.database']);
  });

  it('the same station name on one broker collides on client id and topics; on two brokers it does not', () => {
    const one = cross(['a.yaml', cfg('cam1')], ['b.yaml', cfg('cam1', { storage: { database: '/s/b.db', images: '/s/b-img' } })]);
    expect(one.get('b.yaml')!.map((p) => p.path)).toEqual(['mqtt.client_id', 'station']);
    const two = cross(['a.yaml', cfg('cam1')], ['b.yaml', cfg('cam1', { storage: { database: '/s/b.db', images: '/s/b-img' }, mqtt: { url: 'mqtt://10.0.0.9' } })]);
    expect(two.get('b.yaml')).toEqual([]);
  });

  it('an explicit client id shared by two stations collides', () => {
    const out = cross(['a.yaml', cfg('cam1', { mqtt: { client_id: 'x' } })], ['b.yaml', cfg('cam2', { mqtt: { client_id: 'x' } })]);
    expect(out.get('a.yaml')).toEqual([{ path: 'mqtt.client_id', message: "MQTT client id 'x' on broker loopback:1883 is also claimed by station cam2 (b.yaml, mqtt.client_id)" }]);
  });

  it('distinct stations do not collide', () => {
    const out = cross(['a.yaml', cfg('cam1')], ['b.yaml', cfg('cam2')], ['c.yaml', cfg('cam3', { http: { port: 8082 } })]);
    expect([...out.values()].flat()).toEqual([]);
  });

  it('within one config: Modbus on the dashboard port, two outputs on one line, database = sim log', () => {
    const c = cfg('a', {
      http: { port: 9000 }, modbus: { enabled: true, port: 9000 },
      gpio: { backend: 'gpiod', chip: 'c', lines: { reject: { offset: 3 }, ready: { offset: 3 } } },
      mqtt: { url: '' },
    });
    expect(selfCollisions(stationClaims(c, ctx))).toEqual([
      { path: 'modbus.port', message: 'TCP port 9000 (Modbus TCP): also used by http.port in this config' },
      { path: 'gpio.lines.ready', message: 'GPIO line 3 of chip c: also used by gpio.lines.reject in this config' },
    ]);
    const log = cfg('b', { gpio: { backend: 'sim', sim_log: '/s/b.db' }, mqtt: { url: '' } });
    expect(selfCollisions(stationClaims(log, ctx))).toEqual([{ path: 'gpio.sim_log', message: 'sim GPIO log /s/b.db: also used by storage.database in this config' }]);
  });
});
