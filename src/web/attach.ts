import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { InspectdError, errorMessage } from '../platform/index.js';
import { ruleFromCard } from '../score/index.js';
import { counters } from './api.js';
import { isLoopbackHost } from './auth.js';
import { Calibration } from './calibration.js';
import { ClientAssets } from './files.js';
import { FrameRenderer } from './frame.js';
import { ImageLinks, dashboardBaseUrl } from './links.js';
import { LiveState } from './live.js';
import { createMetrics } from './metrics.js';
import { createRouter } from './router.js';
import { ShiftView } from './shiftApi.js';
import { SSE_DEFAULTS, SseHub, type SseOptions } from './sse.js';
import type { WebContext, WebServer } from './types.js';

/**
 * The supervisor's web surface: dashboard page, live events (SSE), JSON API, /metrics and
 * /healthz on one node:http server. It is a sink like the store and MQTT: it listens on the
 * bus and never sits on the decision path; everything it renders or counts is bounded.
 */

export interface WebOptions {
  /** Folder of the compiled front-end modules. Default: ./client next to this module (dist/web/client). */
  clientDir?: string;
  /** Scores kept for the histogram and the threshold preview. Default 2000. */
  scoreWindow?: number;
  sse?: Partial<SseOptions>;
  /** Minimum time between two renderings of the latest frame. Default 250 ms. */
  frameIntervalMs?: number;
  /** Node process metrics on /metrics. Default true. */
  processMetrics?: boolean;
}

export async function attachWeb(ctx: WebContext, opts: WebOptions = {}): Promise<WebServer> {
  // Config loading refuses an empty token_file; this keeps any other caller from serving "protected" with no secret.
  if (ctx.token !== null && ctx.token.trim() === '') throw new InspectdError('CONFIG_SECRET_EMPTY', 'http token is empty: refusing to serve the dashboard unprotected');
  const startedAt = performance.now();
  const live = new LiveState(opts.scoreWindow ?? 2000);
  const calibration = new Calibration(ruleFromCard(ctx.card.calibration));
  const links = new ImageLinks();
  const shift = new ShiftView({ station: ctx.station, store: ctx.store, dashboard: ctx.dashboard, calibration: ctx.card.calibration, now: ctx.wallNow ?? Date.now });
  let hub: SseHub | null = null;
  const metrics = createMetrics({
    station: ctx.station, card: ctx.card, stats: ctx.stats, sinkErrors: () => ctx.bus.sinkErrors, sseClients: () => hub?.size ?? 0, processMetrics: opts.processMetrics,
  });

  const latest = () => (live.latest ? { ...live.latest, image_url: links.url(live.latest.image_path) } : null);
  const batch = () => {
    const b = live.takeBatch();
    return { ...b, images: b.images.map((i) => ({ ...i, image_url: links.url(i.image_path) })) };
  };
  hub = new SseHub(
    () => ({ ...batch(), counters: counters(ctx), latest: latest(), threshold: ctx.controls.threshold, paused: ctx.controls.paused, calibration: calibrationBrief() }),
    () => ({ station: ctx.station, counters: counters(ctx), latest: latest(), threshold: ctx.controls.threshold, paused: ctx.controls.paused, calibration: calibrationBrief() }),
    { ...SSE_DEFAULTS, ...opts.sse },
  );
  const calibrationBrief = () => {
    const v = calibration.view(1);
    return { state: v.state, count: v.count, target: v.target };
  };

  // With nobody watching, a batch would only go stale: drop it (a new client starts from the snapshot).
  const pushed = () => (hub!.size === 0 ? void live.takeBatch() : hub!.notify());
  const offs = [
    ctx.bus.on('inspected', 'dashboard', (r) => {
      // The app hands the frame to the store in the same turn, before this event: the store knows whether a JPEG follows.
      live.add(r, r.verdict !== 'pass' && ctx.store.imageSaving(r.seq, r.ts));
      metrics.observe(r);
      if (calibration.add(r.verdict === 'error' ? null : r.score)) ctx.log.info({ n: calibration.view(1).count }, 'calibration recording finished');
      pushed();
    }),
    ctx.bus.on('fault', 'dashboard', (f) => {
      live.fault(f);
      pushed();
    }),
    ctx.store.onImageSaved((e) => {
      if (e.station !== ctx.station) return;
      live.imageSaved(e);
      pushed();
    }),
  ];

  const clientDir = opts.clientDir ?? fileURLToPath(new URL('./client/', import.meta.url));
  const renderer = new FrameRenderer(ctx.latest, opts.frameIntervalMs ?? 250);
  const handler = createRouter({
    ctx, live, calibration, links, shift, startedAt, sseClients: () => hub!.size, hub, metrics, renderer, assets: new ClientAssets(clientDir),
    boundToLoopback: isLoopbackHost(ctx.http.host), log: ctx.log,
  });

  const server: Server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, handler);
  // Slow-loris and idle keep-alive sockets must not pile up on a small device.
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 50;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ctx.http.port, ctx.http.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    offs.forEach((off) => off());
    hub.close();
    throw new InspectdError('HTTP_LISTEN', `dashboard cannot listen on ${ctx.http.host}:${ctx.http.port}: ${errorMessage(err)}`, { host: ctx.http.host, port: ctx.http.port }, { cause: err });
  }
  server.on('error', (err) => ctx.log.error({ err }, 'dashboard server error'));
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  links.base = dashboardBaseUrl(ctx.http, addr.port, hostname());
  if (ctx.token === null && !isLoopbackHost(ctx.http.host)) {
    ctx.log.warn({ host: ctx.http.host }, 'dashboard exposed beyond loopback without a token: anyone on the network can change the threshold (set http.token_file)');
  }

  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${addr.port}`,
    baseUrl: links.base,
    close() {
      closing ??= new Promise<void>((resolve) => {
        offs.forEach((off) => off());
        hub!.close();
        server.close(() => resolve());
        // Keep-alive browsers would hold close() open until their sockets time out.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
