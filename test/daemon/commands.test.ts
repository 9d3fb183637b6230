import { describe, expect, it } from 'vitest';
import { createCommandHandler, type Controls } from '../../src/daemon/commands.js';

function setup() {
  const controls: Controls = { threshold: 0.5, saveImages: 'rejects', paused: false };
  const changes: unknown[] = [];
  const states: Array<[string, unknown]> = [];
  const ready: boolean[] = [];
  const saved: Array<[string, unknown, string]> = [];
  const h = createCommandHandler({
    settings: { save: (n, v, who) => saved.push([n, v, who]) },
    controls, station: 's', log: { info() {}, warn() {} } as never,
    store: { recordThresholdChange: (c) => changes.push(c) },
    publishState: (n, p) => states.push([n, p]),
    trigger: () => 42,
    setReady: (r) => ready.push(r),
  });
  return { h, controls, changes, states, ready, saved };
}

describe('operator commands', () => {
  it('changes the threshold, records who and when first, publishes the state', async () => {
    const { h, controls, changes, states } = setup();
    expect(await h('threshold', { value: 0.42, who: 'anna', reason: 'new batch' })).toEqual({ ok: true, old: 0.5, value: 0.42 });
    expect(controls.threshold).toBe(0.42);
    expect(changes).toMatchObject([{ station: 's', old: 0.5, new: 0.42, who: 'anna', reason: 'new batch' }]);
    expect(states).toEqual([['threshold', { value: 0.42, source: 'anna' }]]);
  });

  it('keeps threshold and save_images changes for the next start (never a refused one, never pause)', async () => {
    const { h, saved } = setup();
    await h('threshold', { value: 0.42, who: 'anna' });
    await h('threshold', { value: 7 });
    await h('save_images', { value: 'all' });
    await h('save_images', { value: 'sometimes' });
    await h('pause', {});
    expect(saved).toEqual([
      ['threshold', 0.42, 'anna'],
      ['save_images', 'all', 'mqtt'],
    ]);
  });

  it.each([[{ value: 'x' }], [{ value: 5 }], [{}], [{ value: Number.NaN }]])('refuses threshold %j and changes nothing', async (p) => {
    const { h, controls, changes } = setup();
    const r = await h('threshold', p as Record<string, unknown>);
    expect(r.ok).toBe(false);
    expect((r as { error: string }).error).toMatch(/threshold: value must be (a number|between -1 and 1)/);
    expect(controls.threshold).toBe(0.5);
    expect(changes).toEqual([]);
  });

  it('pause drops ready, resume restores it', async () => {
    const { h, controls, ready } = setup();
    await h('pause', {});
    expect(controls.paused).toBe(true);
    await h('resume', {});
    expect(controls.paused).toBe(false);
    expect(ready).toEqual([false, true]);
  });

  it('validates save_images and answers unknown commands with the known list', async () => {
    const { h, controls } = setup();
    expect((await h('save_images', { value: 'all' })).ok).toBe(true);
    expect(controls.saveImages).toBe('all');
    expect((await h('save_images', { value: 'some' })).ok).toBe(false);
    const r = await h('reboot', {});
    expect(r).toMatchObject({ ok: false });
    expect((r as { error: string }).error).toMatch(/unknown command 'reboot'.*threshold/);
    expect(await h('trigger', {})).toEqual({ ok: true, seq: 42 });
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'])('%s is an unknown command, not an Object.prototype method', async (name) => {
    const { h, controls, changes, states } = setup();
    const r = await h(name, { value: 0.1 });
    expect(r).toEqual({ ok: false, error: `unknown command '${name}' (known: threshold, pause, resume, paused, save_images, trigger)` });
    expect(controls).toEqual({ threshold: 0.5, saveImages: 'rejects', paused: false });
    expect(changes).toEqual([]);
    expect(states).toEqual([]);
  });

  it('quotes a strange command name escaped', async () => {
    const { h } = setup();
    expect(await h('a\u001b[2Jb"', {})).toMatchObject({ ok: false, error: expect.stringMatching(/^unknown command 'a\\u001b\[2Jb\\"' \(known/) });
  });

  it('threshold: strict values, printable who/reason, nothing applied on a refusal', async () => {
    const { h, controls, changes } = setup();
    for (const p of [{ value: '0x1' }, { value: ' 0.5 ' }, { value: '1e-400' }, { value: 0.4, who: 'a\u0000b' }, { value: 0.4, reason: 'x\ny' }, { value: 0.4, who: 5 }]) {
      expect((await h('threshold', p)).ok, JSON.stringify(p)).toBe(false);
    }
    expect(controls.threshold).toBe(0.5);
    expect(changes).toEqual([]);
    expect(await h('threshold', { value: '0.25', who: '' })).toEqual({ ok: true, old: 0.5, value: 0.25 });
    expect(changes).toMatchObject([{ who: 'mqtt', new: 0.25, reason: null }]);
  });
});
