import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, type ConfigProblem, type LoadOptions, loadConfig } from '../config/index.js';
import type { Config } from '../config/index.js';
import { loadModel } from '../model/index.js';
import { InspectdError } from '../platform/index.js';

/**
 * Everything that must hold before the daemon may start: the config file itself, then the
 * model it names and that model's card (shape, sha256, fields). All problems are collected so
 * `validate-config` and a refused `run` show the full list at once.
 */
export async function checkConfig(file: string, opts: LoadOptions = {}): Promise<{ config: Readonly<Config> | null; problems: ConfigProblem[] }> {
  let config: Readonly<Config> | null = null;
  const problems: ConfigProblem[] = [];
  try {
    config = loadConfig(file, opts);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
    // The model's own problems too, when the (invalid) config still names an existing model file:
    // otherwise a typo elsewhere hides a broken card until the next attempt (found by
    // test/reliability/badConfig: "list every problem" must hold across both).
    const model = rawModelPath(file, err.raw);
    if (model) problems.push(...(await modelProblems(model)));
  }
  if (config) problems.push(...(await modelProblems(config.model.path)));
  return { config: problems.length ? null : config, problems };
}

export async function modelProblems(modelPath: string): Promise<ConfigProblem[]> {
  try {
    await loadModel(modelPath, { checkSession: true });
    return [];
  } catch (err) {
    if (!(err instanceof InspectdError)) throw err;
    const listed = err.context.problems as Array<{ path: string; message: string }> | undefined;
    if (listed?.length) return listed.map((p) => ({ path: `model.path → card ${p.path}`, message: `[${err.code}] ${p.message}` }));
    return [{ path: 'model.path', message: `[${err.code}] ${err.message}` }];
  }
}

/** model.path of a config that failed validation, resolved like load.ts does, if it names an existing file. */
function rawModelPath(file: string, raw: unknown): string | null {
  const p = (raw as { model?: { path?: unknown } } | null | undefined)?.model?.path;
  if (typeof p !== 'string' || p === '') return null;
  const abs = resolve(dirname(resolve(file)), p);
  return existsSync(abs) && statSync(abs).isFile() ? abs : null;
}
