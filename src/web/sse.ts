import type { IncomingMessage, ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from './http.js';

/**
 * Server-sent events to the open dashboards. Updates are batched: whatever happened since the
 * last flush goes out in one message, at most `maxPerSecond` times a second, however fast the
 * line runs — so a 300 fps station costs the browser no more than a 3 fps one. One JSON
 * string is built per flush and written to every client (never per client, never per frame).
 */

export interface SseOptions {
  maxClients: number;
  maxPerSecond: number;
  /** Comment line every so often, so proxies and browsers keep an idle stream open. */
  heartbeatMs: number;
  /** A client this far behind (bytes unread) is dropped; its browser reconnects and resyncs. */
  maxBufferedBytes: number;
}

export const SSE_DEFAULTS: SseOptions = { maxClients: 16, maxPerSecond: 5, heartbeatMs: 15_000, maxBufferedBytes: 1 << 20 };

interface Client {
  res: ServerResponse;
}

export class SseHub {
  private readonly clients = new Set<Client>();
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout;
  private lastFlush = 0;
  private dirty = false;
  private closed = false;
  /** Messages sent (flushes × clients), for tests and metrics. */
  sent = 0;

  /**
   * @param build the batched update, called once per flush (null = nothing to send)
   * @param snapshot the first message a new client gets (the current state)
   */
  constructor(
    private readonly build: () => unknown,
    private readonly snapshot: () => unknown,
    private readonly opts: SseOptions = SSE_DEFAULTS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.heartbeat = setInterval(() => this.writeAll(': keep-alive\n\n'), opts.heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Take a GET /events request. Answers 503 when the client cap is reached. */
  accept(req: IncomingMessage, res: ServerResponse): void {
    if (this.closed || this.clients.size >= this.opts.maxClients) {
      res.writeHead(503, { ...SECURITY_HEADERS, 'Content-Type': 'application/json', 'Retry-After': '10' });
      res.end(JSON.stringify({ ok: false, error: `too many live clients (limit ${this.opts.maxClients})` }));
      return;
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    if (req.method === 'HEAD') return void res.end();
    const client: Client = { res };
    this.clients.add(client);
    const drop = () => this.clients.delete(client);
    req.on('close', drop);
    res.on('close', drop);
    res.on('error', drop);
    // The browser retries after 2 s when the daemon restarts.
    res.write(`retry: 2000\nevent: snapshot\ndata: ${JSON.stringify(this.snapshot())}\n\n`);
  }

  /** Something changed: send a batch now, or at the next allowed moment. */
  notify(): void {
    if (this.closed || this.clients.size === 0) return;
    this.dirty = true;
    if (this.timer) return;
    const minGap = 1000 / this.opts.maxPerSecond;
    const wait = Math.max(0, this.lastFlush + minGap - this.now());
    this.timer = setTimeout(() => this.flush(), wait);
    this.timer.unref();
  }

  private flush(): void {
    this.timer = null;
    if (!this.dirty || this.closed) return;
    this.dirty = false;
    this.lastFlush = this.now();
    const update = this.build();
    if (update === null) return;
    this.writeAll(`event: update\ndata: ${JSON.stringify(update)}\n\n`);
  }

  private writeAll(chunk: string): void {
    for (const c of this.clients) {
      if (c.res.writableLength > this.opts.maxBufferedBytes) {
        this.clients.delete(c);
        c.res.destroy();
        continue;
      }
      c.res.write(chunk);
      this.sent++;
    }
  }

  /** End every stream (the server is closing). */
  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    if (this.timer) clearTimeout(this.timer);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }
}
