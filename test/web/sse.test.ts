import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/mosquitto.js';
import { req, result, sample, startHarness, type Harness } from './harness.js';

describe('live events (SSE) over a real bus', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ web: { sse: { maxClients: 2 } } });
  });
  afterAll(async () => h?.close());

  it('live events: one batched update for a burst of frames, a client cap, cleanup on disconnect', async () => {
    const a = await openSse(h.url);
    const b = await openSse(h.url);
    expect(a.res.statusCode).toBe(200);
    expect(a.res.headers['content-type']).toContain('text/event-stream');
    await a.waitEvent('snapshot');
    const third = await req(h.url, '/events');
    expect(third.status).toBe(503);
    expect(third.json().error).toContain('too many live clients (limit 2)');
    // 30 frames in one tick of the event loop: at most one update may carry them.
    for (let i = 0; i < 30; i++) h.inspect(result(6000 + i, { score: i % 2 ? 0.9 : 0.1, verdict: i % 2 ? 'pass' : 'reject' }));
    const u = await a.waitEvent('update');
    expect(u.frames).toBe(30);
    expect(u.rejects).toHaveLength(15);
    expect(u.latest.seq).toBe(6029);
    expect(u.counters.inspected).toBeGreaterThanOrEqual(30);
    expect(a.events.filter((e) => e.event === 'update')).toHaveLength(1);
    a.req.destroy();
    b.req.destroy();
    await waitFor(async () => sample((await req(h.url, '/metrics')).text, 'inspectd_dashboard_clients') === 0, 'SSE clients cleaned up', 5000);
    const again = await openSse(h.url);
    expect(again.res.statusCode).toBe(200);
    again.req.destroy();
  });

  it('a reject\'s image, once written, goes out in the next update with its URL (the page refetches then, not on a timer)', async () => {
    const a = await openSse(h.url);
    await a.waitEvent('snapshot');
    const r = result(7001, { verdict: 'reject', score: 0.1 });
    h.inspect(r, { pixels: new Uint8Array(32 * 24).fill(90), width: 32, height: 24, channels: 1, map: null, seq: 7001, ts: r.ts, verdict: 'reject' });
    await waitFor(() => a.events.some((e) => e.event === 'update' && e.data.images?.length), 'an update with the image', 5000);
    const u = a.events.find((e) => e.event === 'update' && e.data.images?.length)!.data;
    expect(u.images).toEqual([{ seq: 7001, ts: r.ts, image_path: expect.stringMatching(/\/7001-\d+\.jpg$/), image_url: expect.stringMatching(new RegExp(`^${h.url}/images/.*7001-\\d+\\.jpg$`)) }]);
    expect(u.latest).toMatchObject({ seq: 7001, image_path: u.images[0].image_path, image_url: u.images[0].image_url });
    a.req.destroy();
  });
});

interface Sse {
  req: ClientRequest;
  res: IncomingMessage;
  events: Array<{ event: string; data: any }>;
  waitEvent(name: string): Promise<any>;
}

function openSse(base: string): Promise<Sse> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: u.hostname, port: u.port, path: '/events' }, (res) => {
      const events: Sse['events'] = [];
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
        }
      });
      res.on('error', () => {});
      const waitEvent = async (name: string) => {
        await waitFor(() => events.some((e) => e.event === name), `SSE event ${name}`, 5000);
        return events.find((e) => e.event === name)!.data;
      };
      resolve({ req: r, res, events, waitEvent });
    });
    r.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    r.end();
  });
}
