import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RootLogger as Logger } from '../platform/index.js';
import { apiRoutes, health, type ApiDeps, type Handler } from './api.js';
import { authorized, checkOrigin, tokenCookie, tokenMatches } from './auth.js';
import { ClientAssets, IMAGE_TYPES, resolveInside } from './files.js';
import type { FrameRenderer } from './frame.js';
import { HttpError, SECURITY_HEADERS, send, sendError, sendJson } from './http.js';
import type { Metrics } from './metrics.js';
import { pageHtml, unauthorizedHtml } from './page.js';
import { PAGE_CSS } from './pageCss.js';
import { shiftRoutes, type ShiftView } from './shiftApi.js';
import { reviewRoutes } from './review.js';
import type { SseHub } from './sse.js';

/** Every route of the web surface, with the access rules of auth.ts applied in one place. */

export interface RouterDeps extends ApiDeps {
  hub: SseHub;
  metrics: Metrics;
  renderer: FrameRenderer;
  shift: ShiftView;
  assets: ClientAssets;
  boundToLoopback: boolean;
  log: Logger;
}

export function createRouter(d: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { ctx } = d;
  const routes: Record<string, Handler> = {
    ...apiRoutes(d),
    ...reviewRoutes(d),
    ...shiftRoutes(d.shift),
    'GET /': (_req, res) => send(res, 200, pageHtml(ctx.station), 'text/html; charset=utf-8'),
    'GET /static/app.css': (_req, res) => send(res, 200, PAGE_CSS, 'text/css; charset=utf-8'),
    'GET /events': (req, res) => d.hub.accept(req, res),
    'GET /metrics': async (_req, res) => send(res, 200, await d.metrics.render(), d.metrics.contentType),
    'GET /api/frame.jpg': async (_req, res) => {
      const f = await d.renderer.get();
      if (!f) throw new HttpError(404, 'no frame inspected yet');
      send(res, 200, f.jpeg, 'image/jpeg', { 'X-Seq': String(f.seq), 'X-Verdict': f.verdict, 'X-Heatmap': String(f.heatmap) });
    },
  };
  const prefixRoutes: Array<[string, Handler]> = [
    ['GET /static/', async (_req, res, url) => {
      const a = await d.assets.get(url.pathname.slice('/static/'.length));
      send(res, 200, a.body, a.type, { 'Cache-Control': 'no-cache' });
    }],
    ['GET /images/', async (req, res, url) => {
      const f = await resolveInside(ctx.imagesDir, url.pathname.slice('/images/'.length), IMAGE_TYPES);
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': f.type, 'Content-Length': String(f.size), 'Cache-Control': 'private, max-age=3600' });
      if (req.method === 'HEAD') return void res.end();
      await new Promise<void>((resolve) => {
        const s = createReadStream(f.path);
        s.on('error', () => (res.destroy(), resolve()));
        s.on('end', () => resolve());
        s.pipe(res);
      });
    }],
  ];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      throw new HttpError(400, 'malformed URL');
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method ?? 'GET';
    // Liveness probes come from anywhere (systemd, Docker, a load balancer): no auth, no Host rule.
    if (url.pathname === '/healthz' && method === 'GET') {
      const h = health(d);
      return sendJson(res, h.ok ? 200 : 503, { station: ctx.station, inspected: ctx.stats().inspected ?? null, ...h });
    }
    checkOrigin(req, d.boundToLoopback);
    if (ctx.token !== null) {
      const given = url.searchParams.get('token');
      if (given !== null) {
        if (!tokenMatches(given, ctx.token)) throw new HttpError(401, 'wrong token', { 'WWW-Authenticate': 'Bearer' });
        // Trade the token in the URL for a cookie, and drop it from the address bar and history.
        url.searchParams.delete('token');
        res.writeHead(303, { ...SECURITY_HEADERS, Location: url.pathname + url.search, 'Set-Cookie': tokenCookie(ctx.token, Boolean((req.socket as { encrypted?: boolean }).encrypted)) });
        return void res.end();
      }
      if (!authorized(req, ctx.token)) {
        if (url.pathname === '/' && method === 'GET') return send(res, 401, unauthorizedHtml(), 'text/html; charset=utf-8', { 'WWW-Authenticate': 'Bearer' });
        throw new HttpError(401, 'a token is required: Authorization: Bearer <token>, or open /?token=<token> once', { 'WWW-Authenticate': 'Bearer' });
      }
    }
    const exact = routes[`${method} ${url.pathname}`];
    if (exact) return exact(req, res, url);
    for (const [prefix, h] of prefixRoutes) if (`${method} ${url.pathname}`.startsWith(prefix)) return h(req, res, url);
    const other = Object.keys(routes).some((k) => k.endsWith(` ${url.pathname}`));
    if (other) throw new HttpError(405, `method ${req.method} not allowed on ${url.pathname}`);
    throw new HttpError(404, `no route ${url.pathname}`);
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return sendError(res, err);
      d.log.error({ err, url: req.url }, 'dashboard request failed');
      sendError(res, new HttpError(500, 'internal error'));
    });
  };
}
