/**
 * The shift view in headless Chromium: the real web server and store (test/web/harness.ts) with
 * 20 hours of parts written through the store's own path, the compiled front end, and a reject
 * arriving while the page is open. Checks what a supervisor reads (plain words, figures that
 * match the API, plots with axes and units, thumbnails that are pictures), the technical-detail
 * switch, and the 800 px tablet layout; keeps desktop and tablet screenshots in test-output/.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectionResult } from '../../src/events/types.js';
import type { RejectImageInput } from '../../src/store/types.js';
import { ensureBuilt, launchChromium } from './browser.js';
import { ROOT, req, result, startHarness, type Harness } from './harness.js';

const OUT = join(ROOT, 'test-output');
const MIN = 60_000;
const SIDE = 128;

/** A sample casting as the model sees it, with an SSIM-like map that has one bad spot. */
async function evidence(file: string, seq: number, ts: number): Promise<RejectImageInput> {
  const pixels = new Uint8Array(await sharp(join(ROOT, 'samples/casting', file)).greyscale().resize(SIDE, SIDE).raw().toBuffer());
  const map = new Float32Array(SIDE * SIDE);
  const cx = 30 + ((seq * 37) % 70), cy = 30 + ((seq * 53) % 70);
  for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) map[y * SIDE + x] = 1 - 0.8 * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 120);
  return { pixels, width: SIDE, height: SIDE, channels: 1, map, seq, ts, verdict: 'reject' };
}

/** Part `seq` at `ts`: about 3 % rejects, 18 % for an hour three hours ago, 8 % in the last quarter hour; a few not inspected. */
function part(seq: number, ts: number, now: number): InspectionResult {
  const age = now - ts;
  const every = age > 3 * 60 * MIN && age < 4 * 60 * MIN ? 6 : age < 15 * MIN ? 12 : 33;
  if (seq % 197 === 5) return result(seq, { ts, verdict: 'error', score: null, error: { code: 'FRAME_DROPPED', message: 'dropped by the full capture queue' } });
  if (seq % 251 === 7) return result(seq, { ts, verdict: 'error', score: null, error: { code: 'MODEL_TIMEOUT', message: 'inference slower than 2000 ms' } });
  if (seq % every === 0) return result(seq, { ts, verdict: 'reject', score: 0.15 + ((seq * 7) % 30) / 100 });
  return result(seq, { ts, score: 0.55 + ((seq * 13) % 40) / 100 });
}

describe('shift view end to end (real server and store, compiled front end, headless Chromium)', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let seq = 0;
  const errors: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    const now = Date.now();
    h = await startHarness({ web: { clientDir: join(ROOT, 'dist/web/client') } });
    const start = now - 20 * 60 * MIN;
    const rejects: Array<{ r: InspectionResult }> = [];
    for (let ts = start; ts < now - 20_000; ts += 20_000) {
      const r = part(++seq, ts, now);
      if (r.verdict === 'reject' && now - ts < 40 * MIN) rejects.push({ r });
      else h.inspect(r);
    }
    // The last rejects with their evidence images, as the daemon saves them.
    const defects = ['cast_def_0_1412.jpeg', 'cast_def_0_1546.jpeg', 'cast_def_0_164.jpeg', 'cast_def_0_220.jpeg', 'cast_def_0_2515.jpeg', 'cast_def_0_436.jpeg'];
    for (const [i, { r }] of rejects.entries()) h.inspect(r, await evidence(defects[i % defects.length], r.seq, r.ts));
    await h.store.drain();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await h?.close();
  });

  it('opens on the shift view: the last part in large plain words, the status badge and why', async () => {
    await page.goto(h.url);
    await page.waitForFunction(() => document.getElementById('conn')?.textContent === 'live', undefined, { timeout: 20_000 });
    await page.waitForSelector('#shifts tbody tr.current', { timeout: 20_000 });
    expect(await page.isVisible('[data-view="shift"]')).toBe(true);
    expect(await page.isVisible('[data-view="station"]')).toBe(false);
    expect(['Good part', 'Rejected', 'Not inspected']).toContain(await page.textContent('#big-verdict'));
    // The last quarter hour runs at 1 in 12 rejected: above the 5 % amber limit, under red (10 %).
    expect(await page.getAttribute('#status', 'class')).toBe('status amber');
    expect(await page.textContent('#status-word')).toBe('Watch');
    expect(await page.textContent('#status-why')).toMatch(/^Reject rate \d+(\.\d)? % in the last 15 min \(normal: under 5 %\)$/);
  });

  it('shows the totals the API has, errors and drops apart from rejects, for each range', async () => {
    const s = (await req(h.url, '/api/shift')).json();
    for (const range of ['shift', 'hour', 'today'] as const) {
      await page.click(`#totals-panel [data-range="${range}"]`);
      const c = s.ranges[range].counts;
      await page.waitForFunction((n) => document.getElementById('t-parts')?.textContent === n, (c.pass + c.reject + c.error + c.dropped).toLocaleString('en-US'), { timeout: 10_000 });
      expect(await page.textContent('#t-reject')).toBe(c.reject.toLocaleString('en-US'));
      expect(await page.textContent('#t-errors-sub')).toBe(`${c.error} errors · ${c.dropped} dropped`);
    }
    expect(await page.textContent('#totals-title')).toBe('Today');
    const rows = await page.locator('#shifts tbody tr').count();
    expect(rows).toBe(6);
    expect(await page.textContent('#shifts tbody tr.current td')).toMatch(/\(now\)$/);
  });

  it('plots the reject rate per bucket with axes, units and the limits, and the score histogram with the threshold', async () => {
    await page.click('#totals-panel [data-range="today"]');
    const titled = (re: string) => page.waitForFunction((r) => [...document.querySelectorAll('#trend text.title')].some((t) => new RegExp(r).test(t.textContent ?? '')), re, { timeout: 10_000 });
    await titled('bars of 30 min');
    expect(await page.locator('#trend rect.bar').count()).toBeGreaterThan(10);
    // The hour at 1 in 6 rejected stands out in the limit colours.
    expect(await page.locator('#trend rect.bar.lvl-red, #trend rect.bar.lvl-amber').count()).toBeGreaterThan(0);
    expect(await page.locator('#trend line.lim-amber').count()).toBe(1);
    const titles = await page.locator('#trend text.title').allTextContents();
    expect(titles[0]).toBe('rejected (%)');
    expect(titles[1]).toMatch(/^time \(.+\), bars of 30 min$/);
    await page.click('#totals-panel [data-range="shift"]');
    await titled('bars of 10 min');
    await page.waitForSelector('#shift-hist rect.bar');
    expect(await page.locator('#shift-hist line.thr').count()).toBe(1);
    expect(await page.locator('#shift-hist text.title').allTextContents()).toEqual(['score (higher = more like a good part)', 'parts']);
  });

  it('the newest reject arrives with its picture (never "no image yet"), and no thumbnail is black', async () => {
    const r = result(++seq, { ts: Date.now(), verdict: 'reject', score: 0.12 });
    h.inspect(r, await evidence('cast_def_0_436.jpeg', r.seq, r.ts));
    await page.waitForFunction((s) => {
      const first = document.querySelector('#strip .thumb');
      const img = first?.querySelector('img');
      return first?.getAttribute('data-seq') === String(s) && img?.complete && img.naturalWidth > 0;
    }, r.seq, { timeout: 15_000 });
    expect(await page.textContent('#strip')).not.toMatch(/no image yet|saving image/);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('#strip .thumb img')].every((i) => i.complete), undefined, { timeout: 10_000 });
    const brightness = await page.evaluate(() => [...document.querySelectorAll<HTMLImageElement>('#strip .thumb img')].map((img) => {
      const c = document.createElement('canvas');
      c.width = 32;
      c.height = 16;
      const g = c.getContext('2d')!;
      g.drawImage(img, 0, 0, 32, 16);
      const d = g.getImageData(0, 0, 32, 16).data;
      let sum = 0;
      for (let i = 0; i < d.length; i += 4) sum += (d[i] + d[i + 1] + d[i + 2]) / 3;
      return sum / (d.length / 4);
    }));
    expect(brightness.length).toBeGreaterThan(3);
    for (const b of brightness) expect(b).toBeGreaterThan(40);
    expect(await page.textContent('#big-verdict')).toBe('Rejected');
  });

  it('technical detail (rule names, raw scores, the Station view) sits behind the switch', async () => {
    expect(await page.isVisible('#big-rule')).toBe(false);
    expect(await page.isVisible('#tabs [data-tab="station"]')).toBe(false);
    // What is on screen (innerText leaves out hidden elements): no rule names, no raw scores on the thumbnails.
    expect(await page.innerText('[data-view="shift"]')).not.toMatch(/residual_pool|combo|ssim_mean|score 0\./);
    await page.check('#tech-toggle');
    expect(await page.isVisible('#big-rule')).toBe(true);
    expect(await page.textContent('#big-rule')).toBe('combo');
    expect(await page.isVisible('#tabs [data-tab="station"]')).toBe(true);
    await page.uncheck('#tech-toggle');
    await page.waitForTimeout(1500); // let the charts settle for the picture
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'shift-desktop.png'), fullPage: true });
    expect(statSync(join(OUT, 'shift-desktop.png')).size).toBeGreaterThan(20_000);
  });

  it('fits an 800 px tablet: verdict and totals side by side above the fold, no sideways scrolling, tap targets at least 40 px', async () => {
    await page.setViewportSize({ width: 800, height: 1280 });
    await page.reload();
    await page.waitForSelector('#trend rect.bar', { timeout: 20_000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(800);
    const [a, b] = await Promise.all(['#now-panel', '#totals-panel'].map((s) => page.locator(s).boundingBox()));
    expect(b!.x).toBeGreaterThanOrEqual(a!.x + a!.width);
    expect(Math.max(a!.y + a!.height, b!.y + b!.height)).toBeLessThan(1280 * 0.6);
    for (const sel of ['#totals-panel [data-range="hour"]', '#tabs [data-tab="shift"]']) expect((await page.locator(sel).boundingBox())!.height).toBeGreaterThanOrEqual(40);
    // Every column of the shifts table on screen, not behind a sideways scroll.
    const table = await page.evaluate(() => { const s = document.querySelector('#shifts-panel .scroll')!; return [s.scrollWidth, s.clientWidth]; });
    expect(table[0]).toBeLessThanOrEqual(table[1]);
    await page.waitForTimeout(1000);
    await page.screenshot({ path: join(OUT, 'shift-tablet.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
