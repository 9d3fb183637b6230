import type { RootLogger as Logger } from '../platform/index.js';
import type { InspectionLog, SettingsStore, StoreReads, StoredSetting } from '../store/index.js';
import type { Controls } from '../domain/index.js';

/**
 * Runtime settings (changed over MQTT or the dashboard) survive a restart: they are kept in
 * SQLite with the config.yaml value they were applied over. At start a kept setting wins over
 * config.yaml, unless config.yaml now says something else than it did then: that edit is newer
 * than the setting, so config wins, and that is logged and written back (who: 'config').
 *
 * `paused` is deliberately not kept: a station that comes back from a power cut or a crash must
 * inspect (and raise ready) without anyone remembering to resume it.
 */
export type SettingName = 'threshold' | 'save_images';

export interface SettingsBase {
  /** The threshold without runtime changes, and the config value it came from ('auto' = the card). */
  threshold: { value: number; config: number | 'auto'; reason: string };
  save_images: Controls['saveImages'];
}

export interface SettingsDeps {
  store: SettingsStore & Pick<StoreReads, 'thresholdChanges'> & Pick<InspectionLog, 'recordThresholdChange'>;
  station: string;
  log: Pick<Logger, 'info' | 'warn'>;
  base: SettingsBase;
  now?: () => number;
}

export interface RuntimeSettings {
  /** Keep a runtime change for the next start. Never throws. */
  save(name: SettingName, value: unknown, who: string): void;
  /** Publish every setting (retained), so stale retained values from an earlier run are replaced at connect. */
  publishAll(publishState: (name: string, payload: unknown) => void): void;
}

const SAVE_IMAGES = new Set(['rejects', 'all', 'none']);
const VALID: Record<SettingName, (v: unknown) => boolean> = {
  threshold: (v) => typeof v === 'number' && Number.isFinite(v) && v >= -1 && v <= 1,
  save_images: (v) => typeof v === 'string' && SAVE_IMAGES.has(v),
};

/** Set `controls` from config.yaml and the kept settings; record the threshold at start only when it differs from the last one recorded. */
export function restoreSettings(controls: Controls, d: SettingsDeps): RuntimeSettings {
  const now = d.now ?? Date.now;
  // The threshold's config side includes the card's value for `auto`: a new model is a config change too.
  const configOf: Record<SettingName, unknown> = { threshold: { config: d.base.threshold.config, value: d.base.threshold.value }, save_images: d.base.save_images };
  const sources: Record<SettingName, string> = { threshold: d.base.threshold.config === 'auto' ? 'card' : 'config', save_images: 'config' };
  controls.threshold = d.base.threshold.value;
  controls.saveImages = d.base.save_images;
  const set = (name: SettingName, v: unknown) => (name === 'threshold' ? (controls.threshold = v as number) : (controls.saveImages = v as Controls['saveImages']));

  const kept = new Map(d.store.settings().map((s) => [s.name, s]));
  let overridden: StoredSetting | undefined;
  let restored: StoredSetting | undefined;
  for (const name of Object.keys(VALID) as SettingName[]) {
    const s = kept.get(name);
    if (!s) continue;
    if (!VALID[name](s.value)) {
      d.log.warn({ code: 'STORE_SETTING_INVALID', setting: name, value: s.value }, `ignoring the kept ${name} setting: not a valid value`);
      continue;
    }
    if (JSON.stringify(s.config_value) !== JSON.stringify(configOf[name])) {
      d.log.warn({ setting: name, kept: s.value, kept_by: s.who, kept_ts: s.ts, config_then: s.config_value, config_now: configOf[name] }, `config.yaml changed ${name} since it was set at runtime: the config value wins`);
      d.store.saveSetting({ name, value: name === 'threshold' ? d.base.threshold.value : d.base.save_images, config_value: configOf[name], ts: now(), who: 'config' });
      if (name === 'threshold') overridden = s;
      continue;
    }
    set(name, s.value);
    sources[name] = s.who;
    if (name === 'threshold') restored = s;
    d.log.info({ setting: name, value: s.value, who: s.who, ts: s.ts }, `${name} restored from the last run`);
  }

  const last = d.store.thresholdChanges(1)[0];
  if (!last || last.new !== controls.threshold) {
    const reason = overridden
      ? `config.yaml changed since ${overridden.who} set ${String(overridden.value)}: config wins`
      : restored
        ? 'runtime setting restored at start'
        : d.base.threshold.reason;
    d.store.recordThresholdChange({ ts: now(), station: d.station, old: last?.new ?? null, new: controls.threshold, who: restored ? restored.who : 'config', reason });
  }

  return {
    save(name, value, who) {
      sources[name] = who;
      d.store.saveSetting({ name, value, config_value: configOf[name], ts: now(), who });
    },
    publishAll(publish) {
      publish('threshold', { value: controls.threshold, source: sources.threshold });
      publish('paused', { value: controls.paused });
      publish('save_images', { value: controls.saveImages });
    },
  };
}
