import { describe, expect, it } from 'vitest';
import { answerCommand } from '../../src/publish/commands.js';
import {
  checkTopicParts,
  commandFilter,
  commandTopic,
  outboxTopics,
  parseCommandPayload,
  parseCommandTopic,
  resultPayload,
  topicFor,
} from '../../src/publish/topics.js';
import { result } from '../store/fixtures.js';
import { FakeClock } from '../fakes/clock.js';
import { ImageLinks, dashboardBaseUrl, imageUrl } from '../../src/web/links.js';

describe('topic builders', () => {
  it.each([
    ['status', 'inspectd/st1/status'],
    ['result', 'inspectd/st1/result'],
    ['alert', 'inspectd/st1/alert'],
    ['stats', 'inspectd/st1/stats'],
    ['response', 'inspectd/st1/response'],
  ] as const)('%s → %s', (kind, topic) => {
    expect(topicFor('inspectd', 'st1', kind)).toBe(topic);
  });

  it('command topics and their filter', () => {
    expect(commandTopic('plant/line1', 'st1', 'threshold')).toBe('plant/line1/st1/set/threshold');
    expect(commandFilter('plant/line1', 'st1')).toBe('plant/line1/st1/set/+');
    expect(() => commandTopic('p', 's', 'a/b')).toThrow(/invalid command name/);
  });

  it.each([
    ['plant/line1/st1/set/threshold', 'threshold'],
    ['plant/line1/st1/set/save-images', 'save-images'],
    // Any one level is a name here; the command handler answers 'unknown command' for the rest.
    ['plant/line1/st1/set/toString', 'toString'],
    ['plant/line1/st1/set/__proto__', '__proto__'],
    ['plant/line1/st1/set/', null],
    ['plant/line1/st1/set/a/b', null],
    ['plant/line1/st2/set/pause', null],
    ['plant/line1/st1/result', null],
  ])('parseCommandTopic(%s) → %s', (topic, name) => {
    expect(parseCommandTopic('plant/line1', 'st1', topic)).toBe(name);
  });

  it.each([
    ['', 'st1'],
    ['a/+', 'st1'],
    ['a/#', 'st1'],
    ['/a', 'st1'],
    ['a/', 'st1'],
    ['a//b', 'st1'],
    ['a', ''],
    ['a', 'st/1'],
    ['a', 'st+'],
  ])('refuses prefix %j station %j', (prefix, station) => {
    expect(() => checkTopicParts(prefix, station)).toThrow(expect.objectContaining({ code: 'MQTT_TOPIC' }));
  });

  it('accepts a multi-level prefix', () => {
    expect(() => checkTopicParts('factory/hall-2/line_1', 'st-01')).not.toThrow();
  });
});

describe('payloads', () => {
  it('result carries the contract fields and a link to the image, never bytes', () => {
    const r = result(12, { verdict: 'reject', score: 0.41, score_rule: 'combo', ssim: 0.58, image_path: '2025-01-01/12-1.jpg' });
    const p = resultPayload(r);
    expect(p).toEqual({
      station: 'st1',
      seq: 12,
      ts: r.ts,
      score: 0.41,
      score_rule: 'combo',
      ssim: 0.58,
      threshold: 0.8,
      verdict: 'reject',
      latency_ms: 4.5,
      source: 'frame-12.png',
      image_path: '2025-01-01/12-1.jpg',
      image_url: null,
      stages: { preprocess_ms: 1, infer_ms: 2, score_ms: 0.5 },
    });
  });

  it('with the dashboard on, result and alert carry the image URL beside the path (none without an image)', () => {
    const links = new ImageLinks();
    const topics = outboxTopics('inspectd', links.url);
    const r = result(12, { verdict: 'reject', image_path: '2025-01-01/12-1.jpg' });
    expect(JSON.parse(topics(r)[1].payload).image_url).toBeNull(); // not listening yet
    links.base = dashboardBaseUrl({ host: '0.0.0.0' }, 8080, 'cell-7');
    for (const m of topics(r)) expect(JSON.parse(m.payload)).toMatchObject({ image_path: '2025-01-01/12-1.jpg', image_url: 'http://cell-7:8080/images/2025-01-01/12-1.jpg' });
    expect(JSON.parse(topics(result(13, { verdict: 'reject', image_path: null }))[1].payload).image_url).toBeNull();
  });

  it.each([
    [{ host: '127.0.0.1' }, 8080, 'http://127.0.0.1:8080'],
    [{ host: '::1' }, 8080, 'http://[::1]:8080'],
    [{ host: '::' }, 81, 'http://box:81'],
    [{ host: '0.0.0.0', public_url: 'https://line1.example/inspect/' }, 8080, 'https://line1.example/inspect'],
  ])('dashboard base URL for %j port %d: %s', (http, port, base) => {
    expect(dashboardBaseUrl(http, port, 'box')).toBe(base);
    expect(imageUrl(base, 'a b/1.jpg')).toBe(`${base}/images/a%20b/1.jpg`);
  });

  it('error results carry the error and a null score and ssim', () => {
    const p = resultPayload(result(1, { verdict: 'error', score: null, ssim: null, error: { code: 'FRAME_DECODE', message: 'bad' } }));
    expect(p).toMatchObject({ score: null, ssim: null, verdict: 'error', error: { code: 'FRAME_DECODE', message: 'bad' }, image_path: null, image_url: null });
  });

  it.each([
    ['pass', ['result']],
    ['reject', ['result', 'alert']],
    ['error', ['result', 'alert']],
  ] as const)('outboxTopics: %s → %j, QoS 1, not retained', (verdict, kinds) => {
    const msgs = outboxTopics('inspectd')(result(3, { verdict }));
    expect(msgs.map((m) => m.topic)).toEqual(kinds.map((k) => `inspectd/st1/${k}`));
    for (const m of msgs) {
      expect(m).toMatchObject({ qos: 1, retain: false });
      expect(JSON.parse(m.payload)).toMatchObject({ seq: 3, verdict });
    }
  });
});

describe('command payloads', () => {
  it.each([
    ['{"id":"t1","value":0.5}', { id: 't1', body: { id: 't1', value: 0.5 } }],
    ['0.42', { id: null, body: { value: 0.42 } }],
    ['"on"', { id: null, body: { value: 'on' } }],
    ['[1,2]', { id: null, body: { value: [1, 2] } }],
    ['', { id: null, body: {} }],
    ['  {"id":7}  ', { id: 7, body: { id: 7 } }],
  ])('%j parses', (text, req) => {
    expect(parseCommandPayload(Buffer.from(text))).toEqual({ ok: true, req });
  });

  it.each(['{', '{"a":}', 'nope', '\u0000'])('%j is refused', (text) => {
    const r = parseCommandPayload(Buffer.from(text));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/invalid JSON/);
  });
});

describe('answerCommand', () => {
  const time = { wallNow: () => 5 };
  it('echoes the transaction id with the handler result', async () => {
    const r = await answerCommand('threshold', Buffer.from('{"id":"abc","value":0.7}'), async (name, body) => ({ ok: true, name, got: body.value }), 1000, time);
    expect(r).toEqual({ ok: true, name: 'threshold', got: 0.7, id: 'abc', command: 'threshold', ts: 5 });
  });

  it('turns bad JSON, a missing handler, a throw, a hang and a bad return into error responses', async () => {
    expect(await answerCommand('x', Buffer.from('{'), async () => ({ ok: true }), 1000, time)).toMatchObject({ ok: false, id: null, error: expect.stringMatching(/invalid JSON/) });
    expect(await answerCommand('x', Buffer.from('{"id":1}'), undefined, 1000, time)).toMatchObject({ ok: false, id: 1 });
    expect(
      await answerCommand('x', Buffer.from('{"id":2}'), async () => {
        throw new Error('threshold must be in (0,1)');
      }, 1000, time),
    ).toMatchObject({ ok: false, id: 2, error: 'threshold must be in (0,1)' });
    expect(await answerCommand('x', Buffer.from('{"id":4}'), async () => undefined as never, 1000, time)).toMatchObject({ ok: false, id: 4 });
  });

  it('a handler that hangs gets its error response exactly timeoutMs later, on the clock', async () => {
    const clock = new FakeClock(0);
    let resp: Awaited<ReturnType<typeof answerCommand>> | undefined;
    void answerCommand('x', Buffer.from('{"id":3}'), () => new Promise(() => undefined), 20, { clock, ...time }).then((r) => (resp = r));
    await new Promise((r) => setImmediate(r));
    clock.advance(19);
    await new Promise((r) => setImmediate(r));
    expect(resp).toBeUndefined();
    clock.advance(1);
    await new Promise((r) => setImmediate(r));
    expect(resp).toEqual({ ok: false, id: 3, command: 'x', error: 'command timed out after 20 ms', ts: 5 });
    expect(clock.pending).toBe(0);
  });

  it('a handler cannot overwrite the echoed id', async () => {
    const r = await answerCommand('x', Buffer.from('{"id":"mine"}'), async () => ({ ok: true, id: 'theirs' }), 1000, time);
    expect(r.id).toBe('mine');
  });
});
