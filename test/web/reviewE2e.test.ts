/**
 * The review loop end to end: the built daemon replays the casting samples with MQTT to a real
 * mosquitto and the dashboard on a free port; headless Chromium opens the Review page (reached
 * from the dashboard's link), sees the newest reject with its picture (not black, never "no image
 * yet"), marks it a good part with a typed operator name, and the label must be in SQLite (who,
 * when) and on MQTT (`<prefix>/<station>/label`, not retained). Screenshots at desktop (1280 px)
 * and tablet (800 px) width go to test-output/review-*.png for people to look at.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';
import { subscriber } from '../publish/clients.js';
import { ensureBuilt, launchChromium, startReplayDaemon } from './endToEnd.js';
import { ROOT } from './harness.js';

const OUT = join(ROOT, 'test-output');
const LABEL_TOPIC = 'e2e/rv-1/label';

describe('review loop end to end (built daemon, real mosquitto, headless Chromium)', () => {
  let dir: string;
  let broker: Broker;
  let sub: Awaited<ReturnType<typeof subscriber>>;
  let daemon: ChildProcess;
  let exit: Promise<number | null>;
  let output = '';
  let browser: Browser;
  let page: Page;
  let url: string;

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'inspectd-review-e2e-'));
    broker = await startMosquitto();
    sub = await subscriber(broker.url, [LABEL_TOPIC]);
    // Slow enough that the part labelled is still among the newest 24 after a reload.
    ({ url, child: daemon, exit } = await startReplayDaemon({
      dir, station: 'rv-1', fps: 3, mqtt: `{ url: "${broker.url}", topic_prefix: e2e, stats_interval_s: 60 }`, lines: ['review: { pass_every: 4 }'], onOutput: (d) => (output += d),
    }));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => (output += `\n[page error] ${e.message}`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL');
    await sub?.close();
    await broker?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the dashboard links to the Review page; it lists rejects and sampled passes, each with its picture', async () => {
    await page.goto(url);
    await page.click('#review-link');
    await page.waitForURL(`${url}/review`);
    // A reject and a sampled pass, each picture loaded.
    await page.waitForFunction(() => {
      const loaded = (sel: string) => [...document.querySelectorAll<HTMLElement>('.part')].some((c) => c.querySelector(sel) && (c.querySelector('img') as HTMLImageElement | null)?.naturalWidth);
      return loaded('b.rejected') && loaded('b.passed');
    }, undefined, { timeout: 40_000 });
    const cards = page.locator('.part');
    expect(await cards.count()).toBeGreaterThan(1);
    expect(await page.locator('.part .gone').count()).toBe(0);
    expect(await page.textContent('body')).not.toMatch(/no image yet/i);
    // The newest card's picture is a real picture: not black, wider than tall (frame beside heatmap).
    const first = await page.$eval('.part img', async (img) => {
      const i = img as HTMLImageElement;
      await i.decode();
      const c = document.createElement('canvas');
      c.width = i.naturalWidth;
      c.height = i.naturalHeight;
      const g = c.getContext('2d')!;
      g.drawImage(i, 0, 0);
      const px = g.getImageData(0, 0, c.width, c.height).data;
      let sum = 0;
      for (let k = 0; k < px.length; k += 4) sum += (px[k] + px[k + 1] + px[k + 2]) / 3;
      return { w: i.naturalWidth, h: i.naturalHeight, mean: sum / (px.length / 4) };
    });
    expect(first.w).toBeGreaterThan(first.h);
    expect(first.mean).toBeGreaterThan(30);
    // Plain words: no rule names outside the Details toggle.
    const visible = await page.$$eval('.part', (els) => els.map((e) => (e as HTMLElement).innerText).join(' '));
    expect(visible).not.toMatch(/residual_pool|combo|anomaly_max|ssim/i);
  });

  it('marks a reject as a good part: the label is in SQLite with who and when, and on MQTT (not retained)', async () => {
    const before = Date.now();
    await page.fill('#rv-who', 'Eve Operator');
    const newest = page.locator('.part:has(b.rejected)').first();
    const seq = Number(await newest.getAttribute('data-seq'));
    const ts = Number(await newest.getAttribute('data-ts'));
    const card = page.locator(`.part[data-seq="${seq}"][data-ts="${ts}"]`);
    await card.locator('button.good').click();
    await waitFor(async () => /^Marked good part by Eve Operator at /.test((await card.locator('.status').textContent()) ?? ''), 'the card says it was marked', 10_000);
    expect(await card.locator('button.good').getAttribute('aria-pressed')).toBe('true');
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'review-desktop.png') });

    const db = new Database(join(dir, 'inspectd.db'), { readonly: true });
    const row = db.prepare('SELECT * FROM labels WHERE seq = ? AND part_ts = ? AND superseded_ts IS NULL').get(seq, ts) as Record<string, any> | undefined;
    const insp = db.prepare('SELECT verdict, score, image_path FROM inspections WHERE seq = ? AND ts = ?').get(seq, ts) as Record<string, any>;
    db.close();
    expect(row).toMatchObject({ station: 'rv-1', label: 'good', who: 'Eve Operator', verdict: 'reject', score: insp.score, image_path: insp.image_path });
    expect(row!.ts).toBeGreaterThanOrEqual(before);
    expect(row!.ts).toBeLessThanOrEqual(Date.now());

    await waitFor(() => sub.on(LABEL_TOPIC).length > 0, `a message on ${LABEL_TOPIC}\n${output}`, 15_000);
    const msg = sub.on(LABEL_TOPIC)[0];
    expect(msg.retain).toBe(false);
    expect(JSON.parse(msg.payload)).toMatchObject({ station: 'rv-1', seq, ts, label: 'good', previous: null, who: 'Eve Operator', labelled_ts: row!.ts, verdict: 'reject' });
  });

  it('after a reload the name is remembered and the card shows its label', async () => {
    const [seq, ts] = await page.$eval('.part.labelled', (e) => [(e as HTMLElement).dataset.seq, (e as HTMLElement).dataset.ts]);
    await page.reload();
    await page.waitForSelector(`.part.labelled[data-seq="${seq}"][data-ts="${ts}"] button.good.chosen`, { timeout: 10_000 });
    expect(await page.inputValue('#rv-who')).toBe('Eve Operator');
    expect(await page.textContent('#rv-counts')).toMatch(/reviewed so far: 1 good part, 0 defects/);
  });

  it('screenshots at desktop and tablet width; on a tablet the buttons are big enough to tap', async () => {
    await page.setViewportSize({ width: 800, height: 1280 });
    await page.waitForTimeout(500);
    await page.locator('.part.labelled').first().scrollIntoViewIfNeeded();
    const box = await page.locator('.part button.defect').first().boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(48);
    expect(box!.width).toBeGreaterThanOrEqual(120);
    // Two columns of cards fit a tablet; nothing runs off the side.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.screenshot({ path: join(OUT, 'review-tablet.png') });
    // The dashboard beside it: the link, and the calibration's proposal checked on the reviewed part.
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${url}/#station`); // the calibration panel sits in the Station view
    await page.waitForFunction(() => document.getElementById('conn')?.textContent === 'live', undefined, { timeout: 20_000 });
    await page.fill('#calib-n', '5');
    await page.click('#calib-start');
    await page.waitForFunction(() => !(document.getElementById('calib-apply') as HTMLButtonElement).disabled, undefined, { timeout: 30_000 });
    await page.waitForFunction(() => /^On the 1 reviewed part, at [\d.-]+: [01] of 1 good part would be rejected \((0|100)\.0 %\); no defect reviewed yet\.$/.test(document.getElementById('calib-labelled')?.textContent ?? ''), undefined, { timeout: 10_000 });
    expect(await page.textContent('#thr-labelled')).toMatch(/^On the 1 reviewed part, at [\d.]+: 1 of 1 good part would be rejected \(100\.0 %\)/);
    await page.waitForTimeout(1000);
    await page.screenshot({ path: join(OUT, 'review-dashboard.png'), fullPage: true });
    for (const f of ['review-desktop.png', 'review-tablet.png', 'review-dashboard.png']) expect(statSync(join(OUT, f)).size).toBeGreaterThan(10_000);
  });

  it('stops on SIGTERM with exit 0', async () => {
    await browser.close();
    daemon.kill('SIGTERM');
    const code = await exit;
    expect(output).not.toContain('[page error]');
    expect(code, output).toBe(0);
  });
});
