import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';

describe('defaults the adapters rely on (schema.ts is their only home)', () => {
  // The schema alone: parseConfig would also check that camera.path and model.path exist.
  const base = { station: 's1', camera: { source: 'replay', path: 'frames' }, model: { path: 'models/m.onnx' } };
  it('a minimal config parses with mqtt.url and gpio.lines filled', () => {
    const c = ConfigSchema.parse(base);
    expect(c.mqtt.url).toBe('mqtt://127.0.0.1:1883');
    expect(c.gpio.lines).toEqual({});
  });

  it('a gpio section without lines still gets lines: {} (createGpioPort no longer falls back)', () => {
    const c = ConfigSchema.parse({ ...base, gpio: { backend: 'sim', travel_ms: 100 } });
    expect(c.gpio.lines).toEqual({});
  });
});

describe('an omitted section and an empty one get the same values (each default lives on its field)', () => {
  const base = { station: 's1', camera: { source: 'replay', path: 'frames' }, model: { path: 'models/m.onnx' } };
  const sections = ['gpio', 'storage', 'mqtt', 'http', 'dashboard', 'modbus', 'opcua', 'review', 'log'] as const;
  it.each(sections)('%s', (name) => {
    expect(ConfigSchema.parse({ ...base, [name]: {} })[name]).toEqual(ConfigSchema.parse(base)[name]);
  });

  it('camera.trigger and mqtt.sparkplug, the nested sections', () => {
    const omitted = ConfigSchema.parse(base);
    expect(ConfigSchema.parse({ ...base, camera: { ...base.camera, trigger: {} } }).camera.trigger).toEqual(omitted.camera.trigger);
    expect(ConfigSchema.parse({ ...base, mqtt: { sparkplug: {} } }).mqtt.sparkplug).toEqual(omitted.mqtt.sparkplug);
  });
});
