import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { openPublisher } from '../../src/publish/mqtt.js';
import { recordingLog } from '../store/fixtures.js';

const minimal = ['station: s1', 'camera: { source: replay, path: frames }', 'model: { path: models/m.onnx }'];

/** The config stage's verdict on a broker URL: the mqtt.url problem, or 'ok'. */
function configVerdict(url: string): string {
  try {
    parseConfig([...minimal, `mqtt: { url: ${JSON.stringify(url)} }`].join('\n'), join(tmpdir(), 'x.yaml'));
    return 'ok';
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems.find((p) => p.path === 'mqtt.url')?.message ?? 'ok';
  }
}

/** The publisher's verdict on the same URL: its MQTT_CONFIG message, or 'ok' once it has opened. */
async function publisherVerdict(url: string): Promise<string> {
  try {
    const p = openPublisher({ url, clientId: 'x', station: 'st', topicPrefix: 'test', log: recordingLog(), closeTimeoutMs: 50 });
    await p.close();
    return 'ok';
  } catch (e) {
    return (e as { code?: string; message: string }).code === 'MQTT_CONFIG' ? (e as Error).message : `unexpected: ${String(e)}`;
  }
}

describe('MQTT URL: config check and publisher judge alike', () => {
  // Each URL was once judged differently: tls:// passed the publisher but not the config check;
  // a URL with no host (mqtt://:1883) passed the config check's regex only; a wrong scheme was
  // refused by both, with different messages (now one message, so the check says what start says).
  it.each([
    ['tls://127.0.0.1:1', true],
    ['mqtt://:1883', false],
    ['mqtts://127.0.0.1:1', true],
    ['gopher://127.0.0.1:1', false],
  ])('%s: accepted=%s by both', async (url, accepted) => {
    const cfg = configVerdict(url);
    const pub = await publisherVerdict(url);
    expect(cfg === 'ok').toBe(accepted);
    expect(pub === 'ok').toBe(accepted);
    if (!accepted) expect(pub).toContain(cfg);
  });
});
