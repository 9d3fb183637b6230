/**
 * Runtime settings across restarts, on a real SQLite file: what an operator set over MQTT or the
 * dashboard wins at the next start, unless config.yaml changed since (then config wins, logged
 * and recorded); the start-up threshold row is only written when the threshold changed.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controls } from '../../src/daemon/commands.js';
import { restoreSettings, type SettingsBase } from '../../src/daemon/settings.js';
import { openStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { recordingLog, tempDir } from '../store/fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
let open: Store[] = [];
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => {
  for (const s of open) await s.close();
  open = [];
  await cleanup();
});

const CARD: SettingsBase = { threshold: { value: 0.5, config: 'auto', reason: 'model card good-only threshold' }, save_images: 'rejects' };

/** One daemon start: open the store on the same file, restore, hand back what the daemon would hold. */
async function start(base: SettingsBase = CARD) {
  for (const s of open) await s.close();
  open = [];
  const store = await openStore({ database: join(dir, 'inspectd.db'), imagesDir: join(dir, 'img'), retentionDays: 0, imagesQuotaMb: 1, log: recordingLog() });
  open.push(store);
  const log = recordingLog();
  const controls: Controls = { threshold: 0, saveImages: 'none', paused: true };
  const settings = restoreSettings(controls, { store, station: 'st1', log: log as never, base });
  const published: Array<[string, unknown]> = [];
  settings.publishAll((n, p) => published.push([n, p]));
  const changes = () => store.thresholdChanges(100).reverse().map((c) => ({ old: c.old, new: c.new, who: c.who, reason: c.reason }));
  return { store, controls, settings, log, published, changes };
}

describe('runtime settings across restarts', () => {
  it('first start: config values, one config row; a restart without changes adds no row', async () => {
    const a = await start();
    expect(a.controls).toEqual({ threshold: 0.5, saveImages: 'rejects', paused: true });
    expect(a.published).toEqual([
      ['threshold', { value: 0.5, source: 'card' }],
      ['paused', { value: true }],
      ['save_images', { value: 'rejects' }],
    ]);
    const b = await start();
    expect(b.changes()).toEqual([{ old: null, new: 0.5, who: 'config', reason: 'model card good-only threshold' }]);
  });

  it('a threshold and save_images set at runtime hold after a restart, with who set them', async () => {
    const a = await start();
    a.store.recordThresholdChange({ ts: 1, station: 'st1', old: 0.5, new: 0.3, who: 'mqtt' });
    a.settings.save('threshold', 0.3, 'mqtt');
    a.settings.save('save_images', 'all', 'anna');
    const b = await start();
    expect(b.controls).toMatchObject({ threshold: 0.3, saveImages: 'all' });
    expect(b.published).toEqual([
      ['threshold', { value: 0.3, source: 'mqtt' }],
      ['paused', { value: true }],
      ['save_images', { value: 'all' }],
    ]);
    expect(b.log.entries.filter((e) => e.msg?.endsWith('restored from the last run')).map((e) => e.obj.setting)).toEqual(['threshold', 'save_images']);
    expect(b.changes().map((c) => c.who)).toEqual(['config', 'mqtt']); // no new row: the threshold did not change
  });

  it('a config.yaml value changed since the setting was applied wins; logged, recorded, and final', async () => {
    const a = await start();
    a.store.recordThresholdChange({ ts: 1, station: 'st1', old: 0.5, new: 0.3, who: 'mqtt' });
    a.settings.save('threshold', 0.3, 'mqtt');
    a.settings.save('save_images', 'none', 'mqtt');
    const edited: SettingsBase = { threshold: { value: 0.4, config: 0.4, reason: 'config model.threshold' }, save_images: 'all' };
    const b = await start(edited);
    expect(b.controls).toMatchObject({ threshold: 0.4, saveImages: 'all' });
    const wins = b.log.entries.filter((e) => e.level === 'warn' && e.msg?.includes('config.yaml changed'));
    expect(wins.map((e) => [e.obj.setting, e.obj.kept, e.obj.kept_by])).toEqual([
      ['threshold', 0.3, 'mqtt'],
      ['save_images', 'none', 'mqtt'],
    ]);
    expect(b.changes().at(-1)).toEqual({ old: 0.3, new: 0.4, who: 'config', reason: 'config.yaml changed since mqtt set 0.3: config wins' });
    expect(b.store.settings().map((s) => [s.name, s.value, s.who])).toEqual([
      ['save_images', 'all', 'config'],
      ['threshold', 0.4, 'config'],
    ]);
    // The next start is quiet: config and the kept values agree now.
    const c = await start(edited);
    expect(c.controls).toMatchObject({ threshold: 0.4, saveImages: 'all' });
    expect(c.log.entries.filter((e) => e.level === 'warn')).toEqual([]);
    expect(c.changes()).toHaveLength(3);
  });

  it('with threshold: auto, a new model card (other good-only threshold) counts as a config change', async () => {
    const a = await start();
    a.settings.save('threshold', 0.3, 'mqtt');
    const b = await start({ ...CARD, threshold: { ...CARD.threshold, value: 0.62 } });
    expect(b.controls.threshold).toBe(0.62);
    expect(b.published[0]).toEqual(['threshold', { value: 0.62, source: 'card' }]);
  });

  it('a kept value that is not valid is ignored with a warning naming it', async () => {
    const a = await start();
    a.store.saveSetting({ name: 'threshold', value: 'high', config_value: { config: 'auto', value: 0.5 }, ts: 1, who: 'sql' });
    const b = await start();
    expect(b.controls.threshold).toBe(0.5);
    expect(b.log.entries.find((e) => e.obj.code === 'STORE_SETTING_INVALID')?.obj).toMatchObject({ setting: 'threshold', value: 'high' });
  });
});
