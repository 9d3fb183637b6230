import { describe, expect, it } from 'vitest';
import { latestOnly } from '../../src/web/client/dom.js';

describe('dashboard refreshes: latestOnly', () => {
  it('an older response that arrives after a newer one is not applied (calibration stuck at "recording")', async () => {
    const pending: Array<(v: string) => void> = [];
    const applied: string[] = [];
    const refresh = latestOnly(() => new Promise<string>((r) => pending.push(r)), (v) => applied.push(v));
    const a = refresh(); // e.g. after the Start click: state still 'recording'
    const b = refresh(); // the SSE 'done' refresh
    pending[1]('done');
    await b;
    pending[0]('recording'); // the slow first response comes back last
    await a;
    expect(applied).toEqual(['done']);
  });

  it('calls in sequence all apply', async () => {
    const applied: number[] = [];
    let n = 0;
    const refresh = latestOnly(async () => ++n, (v) => applied.push(v));
    await refresh();
    await refresh();
    expect(applied).toEqual([1, 2]);
  });
});
