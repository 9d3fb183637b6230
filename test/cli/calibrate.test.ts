/**
 * `inspectd calibrate` says how many good parts its threshold would reject (with an interval) and
 * warns when it had too few goods to say it reliably. The shipped AE model on the sample castings.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { calibrateCmd } from '../../src/cli/calibrate.js';
import { capturedIo } from './io.js';
import { MIN_CALIBRATION_GOODS, falseRejectRate, labelledRates, wilson } from '../../src/score/falseRejects.js';

const ROOT = resolve(__dirname, '../..');
const MODEL = join(ROOT, 'models/casting-ae-int8.onnx');
const GOODS = readdirSync(join(ROOT, 'samples/casting')).filter((f) => f.includes('_ok_'));
const tmp = mkdtempSync(join(tmpdir(), 'inspectd-calib-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function goodFolder(name: string, n: number): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (let i = 0; i < n; i++) copyFileSync(join(ROOT, 'samples/casting', GOODS[i % GOODS.length]), join(dir, `${String(i).padStart(4, '0')}_${GOODS[i % GOODS.length]}`));
  return dir;
}

async function calibrate(good: string, json: boolean, labelled?: string) {
  const c = capturedIo(tmp);
  const code = await calibrateCmd({ model: MODEL, good, json, labelled }, [], c.io);
  return { code, out: c.out(), err: c.err() };
}

describe('inspectd calibrate', () => {
  it('too few goods: a warning on stderr and in the JSON, and the expected false-reject rate with its interval', async () => {
    expect(GOODS.length).toBeGreaterThan(1);
    const dir = goodFolder('few', GOODS.length);
    const j = await calibrate(dir, true);
    expect(j.code).toBe(0);
    const r = JSON.parse(j.out);
    expect(r.warning).toMatch(new RegExp(`only ${GOODS.length} good images \\(< ${MIN_CALIBRATION_GOODS}\\)`));
    expect(j.err).toContain(`warning: ${r.warning}`);
    expect(r.expected_false_reject_rate).toMatchObject({ rejected: r.would_reject, n: GOODS.length });
    expect(r.expected_false_reject_rate.rate).toBeCloseTo(r.would_reject / GOODS.length, 5);
    const t = await calibrate(dir, false);
    expect(t.out).toMatch(/expected false-reject rate \d+\.\d % of good parts \(95 % interval \d+\.\d % – \d+\.\d %, from these \d+ images\)/);
    expect(t.err).toMatch(/^warning: only \d+ good images/);
  });

  it(`${MIN_CALIBRATION_GOODS} goods: no warning`, async () => {
    const r = await calibrate(goodFolder('enough', MIN_CALIBRATION_GOODS), true);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toMatchObject({ n_good: MIN_CALIBRATION_GOODS, warning: null });
  }, 120_000);

  it('--labelled DIR (an export-dataset folder): false-reject and miss rates of those parts at the proposed threshold', async () => {
    const goods = goodFolder('lab-goods', GOODS.length);
    // The same goods labelled good and (deliberately) defect: every one the threshold rejects is a
    // false reject on the good side, every one it passes a miss on the defect side.
    const lab = join(tmp, 'lab');
    mkdirSync(lab);
    for (const d of ['good', 'defect']) {
      mkdirSync(join(lab, d));
      for (const f of readdirSync(goods)) copyFileSync(join(goods, f), join(lab, d, f));
    }
    writeFileSync(join(lab, 'defect', 'broken.png'), 'not a png');
    const j = await calibrate(goods, true, lab);
    expect(j.code).toBe(0);
    const r = JSON.parse(j.out);
    expect(r.labelled).toMatchObject({ false_reject: { count: r.would_reject, n: GOODS.length }, miss: { count: GOODS.length - r.would_reject, n: GOODS.length }, unreadable: 1 });
    expect(r.labelled.miss.rate).toBeCloseTo((GOODS.length - r.would_reject) / GOODS.length, 4);
    const t = await calibrate(goods, false, lab);
    expect(t.out).toMatch(new RegExp(`on the ${2 * GOODS.length} labelled parts: false-reject rate \\d+\\.\\d % \\(${r.would_reject} of ${GOODS.length} good parts rejected\\), miss rate \\d+\\.\\d % \\(${GOODS.length - r.would_reject} of ${GOODS.length} defects passed\\); 1 unreadable, left out`));
    expect(JSON.parse((await calibrate(goods, true)).out).labelled).toBeNull();
  });

  it('the Wilson interval: wide at small n, contains the rate, never below 0', () => {
    const [lo, hi] = wilson(0, 10);
    expect(lo).toBe(0);
    expect(hi).toBeCloseTo(0.2775, 3);
    const [a, b] = wilson(5, 1000);
    expect(a).toBeLessThan(0.005);
    expect(b).toBeGreaterThan(0.005);
    expect(falseRejectRate([0.1, 0.5, 0.9, 0.95], 0.6)).toMatchObject({ rate: 0.5, rejected: 2, n: 4 });
    // At the threshold a part passes (the daemon rejects score < threshold): a good one is kept, a defect is a miss.
    expect(labelledRates([0.5, 0.4, 0.9], [0.5, 0.3], 0.5)).toMatchObject({ false_reject: { count: 1, n: 3 }, miss: { count: 1, n: 2, rate: 0.5 } });
    expect(labelledRates([], [], 0.5).miss).toEqual({ count: 0, n: 0, rate: 0, ci95: [0, 1] });
  });
});
