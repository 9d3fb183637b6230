import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ruleFromCard, describeRule } from '../score/index.js';
import { WHO_MAX, thresholdArgs } from '../platform/index.js';
import { healthOf, type Health } from './health.js';
import { HttpError, numberIn, optString, readJson, sendJson } from './http.js';
import { statNum } from './metrics.js';
import { labelledAt } from './review.js';
import { histogram, preview } from './scores.js';
import type { WebContext } from './types.js';

/** The JSON API the page uses. Every input is validated; a bad one is a 400 naming the field. */

export type { ApiDeps, Handler } from './apiTypes.js';
import type { ApiDeps, Handler } from './apiTypes.js';

export function health(d: ApiDeps): Health {
  const st = d.ctx.store.stats();
  return healthOf({
    now: performance.now(), lastDecisionAt: d.ctx.lastDecisionAt(), startedAt: d.startedAt, stallS: d.ctx.http.stall_s, paused: d.ctx.controls.paused,
    storeFailing: st.failing ? (st.failing_error ?? 'unknown error') : null,
  });
}

/** The counters the page shows, from the app's own stats (the same figures as MQTT `stats`). */
export function counters(ctx: WebContext): Record<string, number | boolean | null> {
  const s = ctx.stats();
  const n = (p: string) => statNum(s, p) ?? null;
  return {
    inspected: n('inspected'), passed: n('passed'), rejected: n('rejected'), errors: n('errors'), dropped: n('dropped'),
    fps: n('fps'), latency_p50_ms: n('latency_p50_ms'), latency_p99_ms: n('latency_p99_ms'),
    mqtt_connected: s.mqtt ? Boolean(statNum(s, 'mqtt.connected')) : null,
    outbox_pending: n('store.outbox_pending'),
  };
}

export function state(d: ApiDeps): Record<string, unknown> {
  const { ctx } = d;
  const rule = ruleFromCard(ctx.card.calibration);
  return {
    station: ctx.station,
    model: { name: ctx.card.name, variant: ctx.card.variant, score_rule: ctx.card.score.rule, good_only: ctx.card.thresholds.good_only, calibration_rule: describeRule(rule) },
    threshold: ctx.controls.threshold,
    paused: ctx.controls.paused,
    save_images: ctx.controls.saveImages,
    counters: counters(ctx),
    latest: d.live.latest && { ...d.live.latest, image_url: d.links.url(d.live.latest.image_path) },
    window: d.live.scores.size,
    health: health(d),
    calibration: { state: d.calibration.view(1).state },
    live_clients: d.sseClients(),
  };
}

export function apiRoutes(d: ApiDeps): Record<string, Handler> {
  const { ctx } = d;
  const applyThreshold = async (res: ServerResponse, value: number, who: string, reason: string | undefined) => {
    const r = await ctx.command('threshold', { value, who, reason });
    if (!r.ok) throw new HttpError(400, r.error);
    sendJson(res, 200, { ...r, threshold: ctx.controls.threshold });
  };

  return {
    'GET /api/state': (_req, res) => sendJson(res, 200, state(d)),

    'GET /api/rejects': (_req, res, url) => {
      const limit = url.searchParams.has('limit') ? numberIn(url.searchParams.get('limit'), 'limit', 1, 200, { integer: true }) : 24;
      sendJson(res, 200, { rejects: d.live.recentRejects(ctx.store, ctx.station, limit).map((r) => ({ ...r, image_url: d.links.url(r.image_path) })) });
    },

    'GET /api/histogram': (_req, res, url) => {
      const q = url.searchParams;
      const bins = q.has('bins') ? numberIn(q.get('bins'), 'bins', 1, 200, { integer: true }) : 40;
      const current = ctx.controls.threshold;
      const proposed = q.has('threshold') ? numberIn(q.get('threshold'), 'threshold', -1, 1) : null;
      const scores = d.live.scores.values();
      sendJson(res, 200, {
        threshold: current,
        histogram: histogram(scores, bins, undefined, proposed === null ? [current] : [current, proposed]),
        current: preview(scores, current),
        proposed: proposed === null ? null : { threshold: proposed, ...preview(scores, proposed) },
        // The parts people labelled in the review queue, at the threshold shown.
        labelled: labelledAt(ctx, proposed ?? current),
      });
    },

    'GET /api/threshold-changes': (_req, res, url) => {
      const limit = url.searchParams.has('limit') ? numberIn(url.searchParams.get('limit'), 'limit', 1, 100, { integer: true }) : 10;
      sendJson(res, 200, { changes: ctx.store.thresholdChanges(limit) });
    },

    'POST /api/threshold': async (req, res) => {
      const body = await readJson(req);
      // The command handler checks again with the same function; checking here first keeps a
      // bad request from reaching it at all.
      const args = thresholdArgs(body);
      if (!args.ok) throw new HttpError(400, args.error);
      const { value, who, reason } = args.value;
      await applyThreshold(res, value, who ?? 'dashboard', reason ?? 'set on the dashboard');
    },

    'POST /api/pause': async (req, res) => {
      await readJson(req);
      const r = await ctx.command('pause', {});
      sendJson(res, r.ok ? 200 : 400, r);
    },

    'POST /api/resume': async (req, res) => {
      await readJson(req);
      const r = await ctx.command('resume', {});
      sendJson(res, r.ok ? 200 : 400, r);
    },

    'GET /api/calibration': (_req, res, url) => {
      const bins = url.searchParams.has('bins') ? numberIn(url.searchParams.get('bins'), 'bins', 1, 200, { integer: true }) : 30;
      const v = d.calibration.view(bins);
      sendJson(res, 200, { ...v, labelled: v.proposed === null ? null : labelledAt(ctx, v.proposed) });
    },

    'POST /api/calibration/start': async (req, res) => {
      const body = await readJson(req);
      if (body.n === undefined) throw new HttpError(400, 'n (the number of good parts to record) is required');
      const n = numberIn(body.n, 'n', 1, Number.MAX_SAFE_INTEGER, { integer: true });
      try {
        d.calibration.start(n);
      } catch (err) {
        throw new HttpError(400, (err as Error).message);
      }
      ctx.log.info({ n }, 'calibration started: recording good parts');
      sendJson(res, 200, d.calibration.view());
    },

    'POST /api/calibration/cancel': async (req, res) => {
      await readJson(req);
      d.calibration.cancel();
      sendJson(res, 200, d.calibration.view());
    },

    'POST /api/calibration/apply': async (req, res) => {
      const body = await readJson(req);
      const who = optString(body.who, 'who', WHO_MAX);
      const value = d.calibration.proposal();
      const v = d.calibration.view(1);
      if (value === null) throw new HttpError(409, `calibration is not finished (state ${v.state}, ${v.count}/${v.target} parts)`);
      const reason = `calibration: ${v.count} good parts, ${v.rule}${who ? `, by ${who}` : ''}`;
      // Who is the workflow (the brief for the audit trail); the operator's name goes in the reason.
      await applyThreshold(res, value, 'dashboard-calibration', reason);
    },
  };
}
