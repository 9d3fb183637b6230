import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Calibration } from './calibration.js';
import type { ImageLinks } from './links.js';
import type { LiveState } from './live.js';
import type { WebContext } from './types.js';

/** What every route group of the JSON API is built from (api.ts, review.ts, shiftApi.ts …). */
export interface ApiDeps {
  ctx: WebContext;
  live: LiveState;
  calibration: Calibration;
  links: ImageLinks;
  startedAt: number;
  sseClients: () => number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;
