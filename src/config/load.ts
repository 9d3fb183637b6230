import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isNode } from 'yaml';
import type { z } from 'zod';

type ZodIssue = z.core.$ZodIssue;
import { ConfigSchema, type Config } from './schema.js';
import { mqttUrlProblem } from './mqttUrl.js';
import { secretProblems } from './secrets.js';
import { parseYamlLimited, readConfigText } from './yamlLimits.js';

/** One thing wrong with a configuration: its key path, YAML line where known, and what is wrong. */
export interface ConfigProblem {
  path: string;
  line?: number;
  /** Set for YAML syntax errors, where the line alone can leave the spot ambiguous. */
  column?: number;
  message: string;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  /** `raw`: the file's parsed YAML when it got that far (check.ts looks for model.path in it). */
  constructor(readonly file: string, readonly problems: ConfigProblem[], readonly raw?: unknown) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n` + problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatProblem(p: ConfigProblem): string {
  const at = p.line ? ` (line ${p.line}${p.column ? `, column ${p.column}` : ''})` : '';
  return `  - ${p.path || '(root)'}${at}: ${p.message}`;
}

/**
 * Parse, validate and resolve a config file. Collects every problem (YAML syntax, schema, and
 * files that must exist) before failing, so an operator fixes them in one pass. Relative paths
 * resolve against the config file's folder, so a config works from any working directory.
 */
/** `env` locates systemd credentials ($CREDENTIALS_DIRECTORY) named by password_file / token_file. */
export interface LoadOptions {
  env?: Readonly<Record<string, string | undefined>>;
}

export function loadConfig(file: string, opts: LoadOptions = {}): Readonly<Config> {
  const read = readConfigText(file);
  if ('problem' in read) throw new ConfigError(file, [{ path: '', ...read.problem }]);
  return parseConfig(read.text, file, opts);
}

export function parseConfig(text: string, file = '<config>', opts: LoadOptions = {}): Readonly<Config> {
  const parsedYaml = parseYamlLimited(text);
  if ('problems' in parsedYaml) throw new ConfigError(file, parsedYaml.problems.map((p) => ({ path: '', ...p })));
  const { doc, lc } = parsedYaml;
  const problems: ConfigProblem[] = [];

  const lineOf = (path: (string | number)[]): number | undefined => {
    // Walk up to the nearest existing node: a missing key is reported at its parent's line.
    for (let p = path; p.length >= 0; p = p.slice(0, -1)) {
      const node = p.length ? doc.getIn(p, true) : doc.contents;
      if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
      if (p.length === 0) return undefined;
    }
    return undefined;
  };

  const raw = parsedYaml.value ?? {};
  const base = dirname(resolve(file));
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues as unknown as ZodIssue[]) problems.push(issueToProblem(issue, lineOf));
    // Still check the files the (invalid) config names, so every problem shows in one pass.
    const loose = resolvePaths(looseConfig(raw), base);
    problems.push(...checkFiles(loose, lineOf), ...secretProblems(loose, opts.env, lineOf));
    throw new ConfigError(file, problems, raw);
  }
  const cfg = resolvePaths(parsed.data, base);
  problems.push(...checkFiles(cfg, lineOf), ...secretProblems(cfg, opts.env, lineOf));
  if (problems.length) throw new ConfigError(file, problems, raw);
  return deepFreeze(cfg);
}

function issueToProblem(issue: ZodIssue, lineOf: (p: (string | number)[]) => number | undefined): ConfigProblem {
  const path = issue.path as (string | number)[];
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    return { path: path.concat(keys[0]).join('.'), line: lineOf(path.concat(keys[0])), message: `unknown key${keys.length > 1 ? 's' : ''} ${keys.slice(0, 10).map((k) => `'${k}'`).join(', ')}${keys.length > 10 ? ` and ${keys.length - 10} more` : ''}` };
  }
  return { path: path.join('.'), line: lineOf(path), message: issue.message };
}

/** The string-valued file fields of a config that failed validation, shaped enough for checkFiles. */
function looseConfig(raw: unknown): Config {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, Record<string, unknown> | undefined>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const sec = (k: string) => (o[k] && typeof o[k] === 'object' ? o[k]! : {});
  const cam = sec('camera'), model = sec('model'), mqtt = sec('mqtt'), storage = sec('storage'), gpio = sec('gpio'), http = sec('http'), opcua = sec('opcua');
  const users = Array.isArray(opcua.users) ? (opcua.users as unknown[]).map((u) => ({ password_file: str((u as Record<string, unknown> | null)?.password_file) })) : [];
  return {
    camera: { source: str(cam.source), path: str(cam.path) },
    model: { path: str(model.path) },
    gpio: { sim_log: str(gpio.sim_log) },
    storage: { database: str(storage.database), images: str(storage.images) },
    // url stays undefined when absent: MQTT is then on (the default), but there is no URL to check.
    mqtt: { url: str(mqtt.url), ca: str(mqtt.ca), cert: str(mqtt.cert), key: str(mqtt.key), embedded_broker: mqtt.embedded_broker === true, password_file: str(mqtt.password_file) },
    http: { enabled: http.enabled !== false, token_file: str(http.token_file) },
    opcua: { enabled: opcua.enabled === true, users, certificate_file: str(opcua.certificate_file), private_key_file: str(opcua.private_key_file), pki_dir: str(opcua.pki_dir) },
  } as unknown as Config;
}

function resolvePaths(cfg: Config, base: string): Config {
  const abs = (p: string | undefined) => (p === undefined || p === '' || isAbsolute(p) || /^[a-z]+:\/\//i.test(p) ? p : resolve(base, p));
  // A bare name (no slash) is a systemd credential (LoadCredential=), read from $CREDENTIALS_DIRECTORY.
  const secret = (p: string | undefined) => (p && !p.includes('/') ? p : abs(p));
  const cam = { ...cfg.camera };
  if (cam.source === 'replay' || cam.source === 'file') cam.path = abs(cam.path);
  return {
    ...cfg,
    camera: cam,
    model: { ...cfg.model, path: abs(cfg.model.path)! },
    gpio: { ...cfg.gpio, sim_log: abs(cfg.gpio.sim_log) },
    storage: { ...cfg.storage, database: abs(cfg.storage.database)!, images: abs(cfg.storage.images)! },
    mqtt: { ...cfg.mqtt, ca: abs(cfg.mqtt.ca), cert: abs(cfg.mqtt.cert), key: abs(cfg.mqtt.key), password_file: secret(cfg.mqtt.password_file) },
    http: { ...cfg.http, token_file: secret(cfg.http.token_file) },
    opcua: {
      ...cfg.opcua, certificate_file: abs(cfg.opcua.certificate_file), private_key_file: abs(cfg.opcua.private_key_file), pki_dir: abs(cfg.opcua.pki_dir),
      users: cfg.opcua.users.map((u) => ({ ...u, password_file: secret(u.password_file)! })),
    },
  };
}

/** Files the daemon needs at start. Reported with the other problems rather than at first use. */
function checkFiles(cfg: Config, lineOf: (p: (string | number)[]) => number | undefined): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const need = (path: string[], file: string | undefined, kind: 'file' | 'dir') => {
    if (!file) return;
    const ok = existsSync(file) && (kind === 'dir' ? statSync(file).isDirectory() : statSync(file).isFile());
    if (!ok) out.push({ path: path.join('.'), line: lineOf(path), message: `${kind === 'dir' ? 'folder' : 'file'} not found: ${file}` });
  };
  need(['model', 'path'], cfg.model?.path, 'file');
  if (cfg.camera.source === 'replay') need(['camera', 'path'], cfg.camera.path, 'dir');
  if (cfg.camera.source === 'file') need(['camera', 'path'], cfg.camera.path, 'file');
  for (const k of ['ca', 'cert', 'key'] as const) need(['mqtt', k], cfg.mqtt[k], 'file');
  if (cfg.opcua.enabled) for (const k of ['certificate_file', 'private_key_file'] as const) need(['opcua', k], cfg.opcua[k], 'file');
  const urlProblem = cfg.mqtt.url ? mqttUrlProblem(cfg.mqtt.url) : undefined;
  if (urlProblem) out.push({ path: 'mqtt.url', line: lineOf(['mqtt', 'url']), message: urlProblem });
  if (cfg.mqtt.embedded_broker && cfg.mqtt.url?.startsWith('mqtts')) out.push({ path: 'mqtt.embedded_broker', line: lineOf(['mqtt', 'embedded_broker']), message: 'the embedded broker serves plain mqtt:// on loopback only' });
  return out;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
