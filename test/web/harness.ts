/**
 * A real web server over a fake WebContext: a real EventBus, a real SQLite store on a temp file,
 * the daemon's real command handler (so threshold changes reach SQLite) wrapped in a recorder,
 * and counters kept by the daemon's RunningStats. `inspect()` does what app.ts does per frame.
 */
import { request as httpRequest } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { createCommandHandler, type Controls } from '../../src/daemon/commands.js';
import { RunningStats } from '../../src/daemon/stats.js';
import { EventBus } from '../../src/events/bus.js';
import type { InspectionResult } from '../../src/events/types.js';
import { DashboardSchema, type DashboardConfig } from '../../src/config/schema.js';
import type { ModelCard } from '../../src/model/card.js';
import { openStore } from '../../src/store/sqlite.js';
import type { RejectImageInput, Store } from '../../src/store/types.js';
import { attachWeb, type WebOptions } from '../../src/web/attach.js';
import type { LatestFrame, WebServer } from '../../src/web/types.js';

export const ROOT = resolve(__dirname, '../..');

export function loadCard(calibration?: Record<string, unknown>): ModelCard {
  const card = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/model/tiny_gray.card.json'), 'utf8')) as ModelCard;
  return calibration ? { ...card, calibration } : card;
}

export interface Harness {
  url: string;
  dir: string;
  imagesDir: string;
  database: string;
  store: Store;
  bus: EventBus;
  controls: Controls;
  commands: Array<{ name: string; payload: Record<string, unknown> }>;
  server: WebServer;
  setLastDecision(t: number | null): void;
  setLatest(f: LatestFrame | null): void;
  inspect(r: InspectionResult, image?: RejectImageInput): void;
  close(): Promise<void>;
}

export async function startHarness(o: {
  token?: string | null; stallS?: number; card?: ModelCard; web?: WebOptions; mqtt?: Record<string, unknown>;
  dashboard?: Record<string, unknown>; wallNow?: () => number; publicUrl?: string; flushMs?: number; passEvery?: number;
} = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'inspectd-web-'));
  const imagesDir = join(dir, 'images');
  const database = join(dir, 'inspectd.db');
  mkdirSync(imagesDir, { recursive: true });
  const log = pino({ level: 'silent' });
  const store = await openStore({ database, imagesDir, retentionDays: 0, imagesQuotaMb: 10, flushMs: o.flushMs ?? 20, log });
  const bus = new EventBus();
  const controls: Controls = { threshold: 0.5, saveImages: 'rejects', paused: false };
  const station = 't1';
  const stats = new RunningStats(station);
  const real = createCommandHandler({ controls, store, station, log, publishState: () => {}, trigger: () => 0 });
  const commands: Harness['commands'] = [];
  let last: number | null = null;
  let latest: LatestFrame | null = null;
  const server = await attachWeb(
    {
      http: { enabled: true, host: '127.0.0.1', port: 0, stall_s: o.stallS ?? 10, public_url: o.publicUrl },
      dashboard: DashboardSchema.parse(o.dashboard ?? {}) as DashboardConfig, wallNow: o.wallNow,
      review: { pass_every: o.passEvery ?? 0 },
      station, card: o.card ?? loadCard(), bus, store, imagesDir, controls, log, token: o.token ?? null,
      command: async (name, payload) => {
        commands.push({ name, payload });
        return real(name, payload);
      },
      stats: () => ({ ...stats.peek(3), controls: { ...controls }, store: store.stats(), mqtt: o.mqtt ?? { connected: true, pending: 0 }, plc: { ready: true, merged: 7, dropped: 0 } }),
      latest: () => latest,
      lastDecisionAt: () => last,
    },
    { processMetrics: false, ...o.web },
  );
  return {
    url: server.url, dir, imagesDir, database, store, bus, controls, commands, server,
    setLastDecision: (t) => (last = t),
    setLatest: (f) => (latest = f),
    inspect(r, image) {
      last = performance.now();
      stats.add(r);
      store.record(r, image);
      bus.emit('inspected', r);
    },
    async close() {
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function result(seq: number, over: Partial<InspectionResult> = {}): InspectionResult {
  return {
    station: 't1', seq, ts: 1_700_000_000_000 + seq * 100, source: `frame-${seq}.png`, score: 0.9, score_rule: 'combo', ssim: null, threshold: 0.5, verdict: 'pass',
    latency_ms: 12, stages: { preprocess_ms: 1, infer_ms: 6, score_ms: 0.5 }, ...over,
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json: () => any;
}

/** Raw node:http request: paths are sent exactly as written ('..' included), any Host header allowed. */
export function req(base: string, path: string, o: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  const u = new URL(base);
  return new Promise((res, rej) => {
    const r = httpRequest({ host: u.hostname, port: u.port, path, method: o.method ?? 'GET', headers: o.headers }, (m) => {
      const chunks: Buffer[] = [];
      m.on('data', (c: Buffer) => chunks.push(c));
      m.on('end', () => {
        const body = Buffer.concat(chunks);
        res({ status: m.statusCode ?? 0, headers: m.headers, body, text: body.toString(), json: () => JSON.parse(body.toString()) });
      });
    });
    r.on('error', rej);
    if (o.body !== undefined) r.write(o.body);
    r.end();
  });
}

export const postJson = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  req(base, path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** Prometheus text → value of the sample with this name whose labels include `labels`. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

export function writeClientDir(dir: string): string {
  const c = join(dir, 'client');
  mkdirSync(c, { recursive: true });
  writeFileSync(join(c, 'main.js'), 'export const hello = 1;\n');
  return c;
}
