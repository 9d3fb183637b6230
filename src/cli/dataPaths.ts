import type { Config } from '../config/index.js';
import type { ConfigProblem } from '../config/index.js';
import { ensureWritableDir, ensureWritableFile } from '../platform/index.js';

/**
 * The places `run` writes to (SQLite file, images folder, sim GPIO log), created and proven
 * writable before anything starts, so a read-only or mistyped data path is refused like a config
 * problem (exit 2, every one listed) instead of a raw errno from deep inside a stage.
 */
export function prepareDataPaths(config: Readonly<Config>): ConfigProblem[] {
  const checks: Array<[string, string | null]> = [
    ['storage.database', ensureWritableFile(config.storage.database)],
    ['storage.images', ensureWritableDir(config.storage.images)],
    ['gpio.sim_log', config.gpio.backend === 'sim' && config.gpio.sim_log ? ensureWritableFile(config.gpio.sim_log) : null],
  ];
  return checks.filter((c): c is [string, string] => c[1] !== null).map(([path, message]) => ({ path, message }));
}
