/**
 * node-opcua is ≈70 MB of modules: the daemon must not load it, nor Sparkplug's protobuf codec,
 * unless the config enables them. (Both are CommonJS, so a load shows in require.cache.)
 */
import { createRequire } from 'node:module';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { EventBus } from '../../src/events/bus.js';
import { opcuaPkiDir, startPlantAdapters } from '../../src/daemon/plantAdapters.js';

const cache = createRequire(import.meta.url).cache;
const loaded = (pkg: string) => Object.keys(cache).some((k) => k.includes(`/node_modules/${pkg}/`));

describe('plant adapters', () => {
  const config = ConfigSchema.parse({ station: 's1', camera: { source: 'replay', path: '/x' }, model: { path: '/m.onnx' }, storage: { database: '/var/lib/inspectd/inspectd.db' } });

  it('loads neither node-opcua nor sparkplug-payload while opcua and mqtt.sparkplug are off', async () => {
    const closes: string[] = [];
    await startPlantAdapters({
      config, env: {}, bus: new EventBus(), levels: { ready: 0, heartbeat: 0, reject: 0, result_valid: 0 },
      plcStats: () => { throw new Error('not used'); }, controls: { threshold: 0.5, saveImages: 'rejects', paused: false },
      command: async () => ({ ok: false, error: 'not used' }), store: { settings: () => [], saveSetting: () => {} }, mqttClientId: 'x', log: pino({ level: 'silent' }),
      onClose: (name) => void closes.push(name),
    });
    expect(closes).toEqual([]);
    expect(loaded('node-opcua-server')).toBe(false);
    expect(loaded('node-opcua-secure-channel')).toBe(false);
    expect(loaded('sparkplug-payload')).toBe(false);
    // The probe itself works: a package this file does load shows up.
    await import('node-opcua-debug');
    expect(loaded('node-opcua-debug')).toBe(true);
  });

  it('keeps the OPC UA PKI beside the database unless opcua.pki_dir says otherwise', () => {
    expect(opcuaPkiDir(config)).toBe('/var/lib/inspectd/opcua-pki');
    expect(opcuaPkiDir({ ...config, opcua: { ...config.opcua, pki_dir: '/srv/pki' } })).toBe('/srv/pki');
  });
});
