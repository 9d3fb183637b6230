import { labelledRates, type LabelledRates } from '../score/index.js';
import { LABELS, type LabelValue } from '../store/index.js';
import { WHO_MAX, shown } from '../platform/index.js';
import type { ApiDeps, Handler } from './apiTypes.js';
import { HttpError, numberIn, optString, readJson, send, sendJson } from './http.js';
import { REVIEW_CSS, reviewHtml } from './reviewPage.js';
import type { WebContext } from './types.js';

/**
 * The review loop's routes: the page, the queue of parts to review, and labelling. They sit
 * behind the same router as every other route, so the token rule and the cross-site POST rule of
 * auth.ts apply to them unchanged.
 *
 *   GET  /review             the review page
 *   GET  /api/review         ?limit=1..100 (24) &unlabelled=1: rejects and sampled passes with an image
 *   POST /api/labels         {seq, ts, label: "good"|"defect", who}: label one part (latest wins)
 *   GET  /api/labels         ?limit=1..500 (50) &since=ms: current labels, newest first;
 *                            ?seq=&ts=: that part's label history
 */

const BODY_FIELDS = new Set(['seq', 'ts', 'label', 'who']);

export interface LabelRequest {
  seq: number;
  ts: number;
  label: LabelValue;
  who: string;
}

/** The body of POST /api/labels, or a 400 naming what is wrong. */
export function labelRequest(body: Record<string, unknown>): LabelRequest {
  const unknown = Object.keys(body).filter((k) => !BODY_FIELDS.has(k));
  if (unknown.length) throw new HttpError(400, `unknown field ${shown(unknown[0])} (a label takes: seq, ts, label, who)`);
  if (body.seq === undefined) throw new HttpError(400, "seq (the part's number, as /api/review lists it) is required");
  if (body.ts === undefined) throw new HttpError(400, "ts (the part's capture time in ms, as /api/review lists it) is required");
  const seq = numberIn(body.seq, 'seq', 0, Number.MAX_SAFE_INTEGER, { integer: true });
  const ts = numberIn(body.ts, 'ts', 0, Number.MAX_SAFE_INTEGER, { integer: true });
  if (!LABELS.includes(body.label as LabelValue)) throw new HttpError(400, `label must be 'good' or 'defect' (got ${body.label === undefined ? 'nothing' : shown(body.label)})`);
  const who = optString(body.who, 'who', WHO_MAX);
  if (who === undefined) throw new HttpError(400, 'who (your name) is required: a label records who said so');
  return { seq, ts, label: body.label as LabelValue, who };
}

/** The labelled parts' false-reject and miss rates at `threshold`, or null while nothing is labelled. */
export function labelledAt(ctx: WebContext, threshold: number): (LabelledRates & { unscored: number; other_rule: number }) | null {
  const s = ctx.store.labels.scores(ctx.card.score.rule, { station: ctx.station });
  if (s.good.length + s.defect.length + s.unscored + s.other_rule === 0) return null;
  return { ...labelledRates(s.good, s.defect, threshold), unscored: s.unscored, other_rule: s.other_rule };
}

export function reviewRoutes(d: ApiDeps): Record<string, Handler> {
  const { ctx } = d;
  const passEvery = ctx.review?.pass_every ?? 0;
  const intParam = (url: URL, name: string, min: number, max: number, dflt: number) =>
    url.searchParams.has(name) ? numberIn(url.searchParams.get(name), name, min, max, { integer: true }) : dflt;

  return {
    'GET /review': (_req, res) => send(res, 200, reviewHtml(ctx.station), 'text/html; charset=utf-8'),
    'GET /static/review.css': (_req, res) => send(res, 200, REVIEW_CSS, 'text/css; charset=utf-8'),

    'GET /api/review': (_req, res, url) => {
      const limit = intParam(url, 'limit', 1, 100, 24);
      const flag = url.searchParams.get('unlabelled');
      if (flag !== null && flag !== '0' && flag !== '1') throw new HttpError(400, `unlabelled must be 0 or 1 (got ${shown(flag)})`);
      const items = ctx.store.labels.queue({ station: ctx.station, limit, passEvery, unlabelledOnly: flag === '1' });
      sendJson(res, 200, { items, counts: ctx.store.labels.counts(ctx.station), pass_every: passEvery, save_images: ctx.controls.saveImages });
    },

    'GET /api/labels': (_req, res, url) => {
      const q = url.searchParams;
      if (q.has('seq') || q.has('ts')) {
        const seq = numberIn(q.get('seq') ?? undefined, 'seq', 0, Number.MAX_SAFE_INTEGER, { integer: true });
        const ts = numberIn(q.get('ts') ?? undefined, 'ts', 0, Number.MAX_SAFE_INTEGER, { integer: true });
        return sendJson(res, 200, { history: ctx.store.labels.history({ station: ctx.station, seq, ts }) });
      }
      const limit = intParam(url, 'limit', 1, 500, 50);
      const since = intParam(url, 'since', 0, Number.MAX_SAFE_INTEGER, 0);
      sendJson(res, 200, { labels: ctx.store.labels.list({ limit, sinceTs: since, station: ctx.station }) });
    },

    'POST /api/labels': async (req, res) => {
      const r = labelRequest(await readJson(req));
      const out = ctx.store.labels.set({ station: ctx.station, ...r });
      if (!out.ok) throw new HttpError(404, `no part #${r.seq} inspected at ts ${r.ts} on station ${ctx.station} (not written to the database yet, or removed by retention)`);
      if (out.changed) ctx.log.info({ seq: r.seq, ts: r.ts, label: r.label, previous: out.previous?.label ?? null, who: r.who }, 'part labelled');
      sendJson(res, 200, { ok: true, changed: out.changed, label: out.label, previous: out.previous });
    },
  };
}
