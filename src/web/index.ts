/** The dashboard's door: HTTP server, JSON API, live events, shift view. */
import type { WebOptions } from './attach.js';
import type { WebContext, WebServer } from './types.js';

export { isWithin } from './files.js';
export { ImageLinks } from './links.js';
export { ShiftView } from './shiftApi.js';
export type { RangeName } from './shiftApi.js';
export type { LatestFrame, WebContext, WebServer } from './types.js';
export type { WebOptions } from './attach.js';

/** Starts the dashboard. Its router pulls in sharp and prom-client: loaded here, only when http.enabled. */
export async function attachWeb(ctx: WebContext, opts: WebOptions = {}): Promise<WebServer> {
  const { attachWeb: attach } = await import('./attach.js');
  return attach(ctx, opts);
}
