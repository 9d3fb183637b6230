import { describe, expect, it } from 'vitest';
import { haDiscoveryMessages, haNodeId, haRemovalMessages } from '../../src/ha/discovery.js';
import { resultPayload } from '../../src/publish/topics.js';
import { result as inspection } from '../store/fixtures.js';

const opts = { topicPrefix: 'plant', station: 'cell-7', model: 'casting-int8', swVersion: '0.1.0', configurationUrl: 'http://cell-7.local:8080/' };
const byTopic = () => Object.fromEntries(haDiscoveryMessages(opts).map((m) => [m.topic, { ...m, config: JSON.parse(m.payload) as Record<string, any> }]));

describe('Home Assistant discovery messages', () => {
  it('announces the entities a user expects on their config topics, retained at QoS 1', () => {
    const msgs = haDiscoveryMessages(opts);
    expect(msgs.map((m) => m.topic)).toEqual([
      'homeassistant/sensor/inspectd_cell-7/reject_count/config',
      'homeassistant/sensor/inspectd_cell-7/last_score/config',
      'homeassistant/sensor/inspectd_cell-7/inspected/config',
      'homeassistant/sensor/inspectd_cell-7/errors/config',
      'homeassistant/sensor/inspectd_cell-7/reject_rate/config',
      'homeassistant/sensor/inspectd_cell-7/last_verdict/config',
      'homeassistant/number/inspectd_cell-7/threshold/config',
      'homeassistant/switch/inspectd_cell-7/paused/config',
      'homeassistant/select/inspectd_cell-7/save_images/config',
      'homeassistant/binary_sensor/inspectd_cell-7/status/config',
    ]);
    for (const m of msgs) expect(m).toMatchObject({ qos: 1, retain: true });
  });

  it.each([
    ['homeassistant/sensor/inspectd_cell-7/reject_count/config', { state_topic: 'plant/cell-7/stats', value_template: '{{ value_json.rejected }}', state_class: 'total_increasing', unique_id: 'inspectd_cell-7_reject_count' }],
    ['homeassistant/sensor/inspectd_cell-7/last_score/config', { state_topic: 'plant/cell-7/result', value_template: '{{ value_json.score }}', state_class: 'measurement', unique_id: 'inspectd_cell-7_last_score' }],
    ['homeassistant/binary_sensor/inspectd_cell-7/status/config', { state_topic: 'plant/cell-7/status', payload_on: 'online', payload_off: 'offline', device_class: 'connectivity', unique_id: 'inspectd_cell-7_status' }],
  ])('%s reads the daemon topic', (topic, want) => {
    expect(byTopic()[topic].config).toMatchObject(want);
  });

  it('makes the sensors available only while the retained status is online', () => {
    const t = byTopic();
    for (const k of ['homeassistant/sensor/inspectd_cell-7/reject_count/config', 'homeassistant/sensor/inspectd_cell-7/last_score/config']) {
      expect(t[k].config).toMatchObject({ availability_topic: 'plant/cell-7/status', payload_available: 'online', payload_not_available: 'offline' });
    }
    // The status entity shows online/offline itself; as its own availability it could never be 'off'.
    expect(t['homeassistant/binary_sensor/inspectd_cell-7/status/config'].config.availability_topic).toBeUndefined();
  });

  it('groups the entities under one device', () => {
    const devices = Object.values(byTopic()).map((m) => m.config.device);
    for (const d of devices) expect(d).toEqual({ identifiers: ['inspectd_cell-7'], name: 'inspectd cell-7', manufacturer: 'inspectd', model: 'casting-int8', sw_version: '0.1.0', configuration_url: 'http://cell-7.local:8080/' });
  });

  it('values templates render what the daemon publishes', () => {
    // The templates name fields of the daemon's own payloads (StatsSnapshot.rejected, ResultPayload.score).
    const stats = { station: 'cell-7', ts: 1, inspected: 10, passed: 8, rejected: 2, errors: 0, dropped: 0, fps: 1, latency_p50_ms: 1, latency_p99_ms: 2 };
    // The real payload: its `ssim` (mean SSIM, often null) is not the score the sensor must show.
    const result = resultPayload(inspection(1, { score: 0.93, ssim: null }));
    const field = (tpl: string) => /value_json\.(\w+)/.exec(tpl)![1];
    const t = byTopic();
    expect(stats).toHaveProperty(field(t['homeassistant/sensor/inspectd_cell-7/reject_count/config'].config.value_template));
    expect(result[field(t['homeassistant/sensor/inspectd_cell-7/last_score/config'].config.value_template) as keyof typeof result]).toBe(0.93);
  });

  it.each([
    ['cell-7', 'inspectd_cell-7'], ['line.3', 'inspectd_line_3'], ['A_b-9', 'inspectd_A_b-9'],
  ])('node id for station %s is %s', (station, node) => {
    expect(haNodeId(station)).toBe(node);
    for (const m of haDiscoveryMessages({ topicPrefix: 'p', station })) expect(m.topic.split('/')[2]).toBe(node);
  });

  it('honours another discovery prefix; removal sends empty retained payloads on the same topics', () => {
    const msgs = haDiscoveryMessages({ topicPrefix: 'p', station: 's', discoveryPrefix: 'ha' });
    expect(msgs.every((m) => m.topic.startsWith('ha/'))).toBe(true);
    const rm = haRemovalMessages({ topicPrefix: 'p', station: 's', discoveryPrefix: 'ha' });
    expect(rm.map((m) => m.topic)).toEqual(msgs.map((m) => m.topic));
    expect(rm.every((m) => m.payload === '' && m.retain)).toBe(true);
  });
});
