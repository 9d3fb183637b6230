import { join } from 'node:path';
import { InspectdError } from '../platform/index.js';
import { readBoundedFileSync } from '../platform/index.js';

/** A token or password is a line, not a file: this bounds what a wrong path can pull in. */
const MAX_SECRET_BYTES = 64 * 1024;

type Env = Readonly<Record<string, string | undefined>>;

/** Where a secret is read from: a path, or a systemd credential when the name has no slash (LoadCredential=). */
export function secretPath(name: string, env: Env): string {
  return name.includes('/') ? name : join(env.CREDENTIALS_DIRECTORY ?? '', name);
}

/**
 * The secret, trimmed. An empty or whitespace-only file throws CONFIG_SECRET_EMPTY: an empty
 * token would let an empty `?token=` or cookie in, an empty password is almost always a
 * half-done install. Unreadable (missing, a FIFO, too large) throws CONFIG_SECRET_UNREADABLE.
 */
export function readSecret(name: string | undefined, env: Env): string | undefined {
  if (!name) return undefined;
  const file = secretPath(name, env);
  let text: string;
  try {
    text = readBoundedFileSync(file, MAX_SECRET_BYTES).toString('utf8');
  } catch (err) {
    throw new InspectdError('CONFIG_SECRET_UNREADABLE', `cannot read ${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
  const secret = text.trim();
  if (secret === '') throw new InspectdError('CONFIG_SECRET_EMPTY', `${file} is empty or whitespace only (a secret must not be empty)`, { file });
  return secret;
}

interface SecretFields {
  mqtt: { url?: string; password_file?: string };
  http?: { enabled: boolean; token_file?: string };
  opcua?: { enabled: boolean; users?: ReadonlyArray<{ password_file?: string }> };
}

/**
 * Problems with the secrets a config names, for the ones the daemon will read (MQTT on, HTTP
 * on). A credential name without $CREDENTIALS_DIRECTORY is skipped: systemd provides that
 * folder only to the service, so `validate-config` from a shell cannot see it.
 */
export function secretProblems(cfg: SecretFields, env: Env | undefined, lineOf: (p: Array<string | number>) => number | undefined): Array<{ path: string; line?: number; message: string }> {
  const wanted: Array<[Array<string | number>, string | undefined]> = [
    [['mqtt', 'password_file'], cfg.mqtt.url !== '' ? cfg.mqtt.password_file : undefined],
    [['http', 'token_file'], cfg.http?.enabled ? cfg.http.token_file : undefined],
    // An empty OPC UA password would let anyone who knows the user name in.
    ...(cfg.opcua?.enabled ? (cfg.opcua.users ?? []).map((u, i): [Array<string | number>, string | undefined] => [['opcua', 'users', i, 'password_file'], u.password_file]) : []),
  ];
  const out: Array<{ path: string; line?: number; message: string }> = [];
  for (const [path, name] of wanted) {
    if (!name || (!name.includes('/') && !env?.CREDENTIALS_DIRECTORY)) continue;
    try {
      readSecret(name, env ?? {});
    } catch (err) {
      out.push({ path: path.join('.'), line: lineOf(path), message: (err as Error).message });
    }
  }
  return out;
}
