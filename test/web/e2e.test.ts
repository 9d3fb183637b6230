/**
 * End to end: the built daemon replays the casting samples with the dashboard on a free port;
 * headless Chromium (Debian's, driven by playwright-core) watches the counters move, sees the
 * histogram, runs a calibration and sets a threshold through the page; the change must reach
 * the daemon (/api/state) and SQLite (threshold_changes, with who). SIGTERM must exit 0.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/mosquitto.js';
import { ensureBuilt, launchChromium, startReplayDaemon } from './endToEnd.js';
import { ROOT } from './harness.js';

const SCREENSHOT = join(ROOT, 'test-output/dashboard.png');

describe('dashboard end to end (built daemon, replay, headless Chromium)', () => {
  let dir: string;
  let daemon: ChildProcess;
  let exit: Promise<number | null>;
  let output = '';
  let browser: Browser;
  let page: Page;
  let url: string;

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'inspectd-e2e-'));
    ({ url, child: daemon, exit } = await startReplayDaemon({ dir, station: 'e2e-1', fps: 10, onOutput: (d) => (output += d) }));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    page.on('pageerror', (e) => (output += `\n[page error] ${e.message}`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const counter = async (id: string) => Number(await page.textContent(`#${id}`));

  it('shows live counters that move during the run', async () => {
    // The engineer's view (the page opens on the shift view; test/web/shift.e2e.test.ts covers that).
    await page.goto(`${url}/#station`);
    await page.waitForFunction(() => document.getElementById('conn')?.textContent === 'live', undefined, { timeout: 20_000 });
    await page.waitForFunction(() => Number(document.getElementById('c-inspected')?.textContent) > 0, undefined, { timeout: 20_000 });
    const first = await counter('c-inspected');
    // Pushed over SSE: no reload in between.
    await page.waitForFunction((n) => Number(document.getElementById('c-inspected')?.textContent) >= n + 5, first, { timeout: 30_000 });
    expect(await counter('c-inspected')).toBeGreaterThanOrEqual(first + 5);
    expect(await page.textContent('#c-p99')).toMatch(/^\d+(\.\d)? ms$/);
    expect(['pass', 'reject']).toContain(await page.textContent('#verdict'));
    // The latest frame image loaded (side by side: wider than tall).
    await page.waitForFunction(() => {
      const img = document.getElementById('frame') as HTMLImageElement;
      return img.complete && img.naturalWidth > img.naturalHeight;
    }, undefined, { timeout: 20_000 });
    expect(output).not.toContain('[page error]');
  });

  it('renders the histogram of recent scores with the threshold line', async () => {
    await page.waitForSelector('#hist rect.bar', { timeout: 20_000 });
    expect(await page.locator('#hist rect.bar').count()).toBeGreaterThan(0);
    expect(await page.locator('#hist line.thr').count()).toBe(1);
    expect(await page.textContent('#hist-n')).toMatch(/^last \d+ parts$/);
  });

  it('runs a calibration from the page and applies the proposed threshold', async () => {
    await page.fill('#calib-n', '5');
    await page.click('#calib-start');
    await page.waitForFunction(() => !(document.getElementById('calib-apply') as HTMLButtonElement).disabled, undefined, { timeout: 30_000 });
    expect(await page.textContent('#calib-status')).toMatch(/^done: 5 \/ 5 parts/);
    expect(await page.locator('#calib-hist rect.bar').count()).toBeGreaterThan(0);
    await page.fill('#who', 'e2e-operator');
    await page.click('#calib-apply');
    await page.waitForFunction(() => /^applied threshold/.test(document.getElementById('calib-msg')?.textContent ?? ''), undefined, { timeout: 10_000 });
    const db = new Database(join(dir, 'inspectd.db'), { readonly: true });
    const row = db.prepare("SELECT * FROM threshold_changes WHERE who = 'dashboard-calibration'").get() as Record<string, any> | undefined;
    db.close();
    expect(row?.reason).toMatch(/^calibration: 5 good parts, .*, by e2e-operator$/);
  });

  it('sets a threshold through the page after previewing it; it reaches the daemon and SQLite', async () => {
    // A threshold in the middle of the scores seen so far, so the preview and the strip have both verdicts.
    const db0 = new Database(join(dir, 'inspectd.db'), { readonly: true });
    const scores = (db0.prepare('SELECT score FROM inspections WHERE score IS NOT NULL ORDER BY score').all() as Array<{ score: number }>).map((r) => r.score);
    db0.close();
    const target = Math.round(scores[Math.floor(scores.length / 2)] * 10_000) / 10_000;
    await page.fill('#thr-input', String(target));
    await page.waitForFunction((t) => (document.getElementById('thr-preview')?.textContent ?? '').startsWith(`at ${t.toFixed(4)}:`), target, { timeout: 10_000 });
    expect(await page.textContent('#thr-preview')).toMatch(/^at [\d.-]+: \d+ of the last \d+ parts rejected \([\d.]+ %\)/);
    expect(await page.locator('#hist line.thr-prop').count()).toBe(1);
    await page.fill('#who', 'e2e-operator');
    await page.fill('#reason', 'end-to-end test');
    await page.click('#thr-apply');
    await page.waitForFunction(() => /^applied:/.test(document.getElementById('thr-msg')?.textContent ?? ''), undefined, { timeout: 10_000 });

    const state = (await (await fetch(`${url}/api/state`)).json()) as { threshold: number };
    expect(state.threshold).toBe(target);
    const db = new Database(join(dir, 'inspectd.db'), { readonly: true });
    const row = db.prepare("SELECT * FROM threshold_changes WHERE who = 'e2e-operator' ORDER BY id DESC").get() as Record<string, any> | undefined;
    db.close();
    expect(row).toMatchObject({ station: 'e2e-1', new: target, who: 'e2e-operator', reason: 'end-to-end test' });
    expect(row!.ts).toBeGreaterThan(Date.now() - 120_000);
    // The daemon decides with it: later rows carry the new threshold.
    await waitFor(() => {
      const d = new Database(join(dir, 'inspectd.db'), { readonly: true });
      const n = (d.prepare('SELECT count(*) n FROM inspections WHERE threshold = ?').get(target) as { n: number }).n;
      d.close();
      return n >= 3;
    }, 'rows decided with the new threshold', 30_000);
    await page.waitForFunction((t) => document.getElementById('thr-now')?.textContent === t.toFixed(4), target, { timeout: 10_000 });
  });

  it('shows saved rejects in the strip; a click opens the full image', async () => {
    await page.click('#tabs [data-tab="shift"]');
    await page.waitForSelector('#strip .thumb img', { timeout: 30_000 });
    await page.click('#strip .thumb:has(img)');
    await page.waitForFunction(() => {
      const img = document.getElementById('viewer-img') as HTMLImageElement;
      return (document.getElementById('viewer') as HTMLDialogElement).open && img.complete && img.naturalWidth > 0;
    }, undefined, { timeout: 10_000 });
    expect(await page.textContent('#viewer-meta')).toMatch(/^#\d+ · reject · score [\d.-]+ \(threshold [\d.-]+, rule combo\)/);
    await page.keyboard.press('Escape');
    // The score is labelled in plain words: what it is and what the threshold does with it.
    await page.goto(`${url}/#station`);
    expect(await page.getAttribute('span:has(> #score)', 'title')).toMatch(/higher = better.*below the threshold is rejected/);
    // Let the strip and histogram settle, then keep a picture of the page for people to look at.
    await page.waitForTimeout(1500);
    mkdirSync(join(ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  });

  it('stops on SIGTERM with exit 0', async () => {
    await browser.close();
    daemon.kill('SIGTERM');
    const code = await exit;
    expect(output).not.toContain('[page error]');
    expect(code, output).toBe(0);
  });
});
