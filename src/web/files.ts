import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { HttpError } from './http.js';

/**
 * Files the dashboard serves from disk: saved reject images (under storage.images) and the
 * compiled front end (dist/web/client). Every path comes from a URL, so each is confined to its
 * root: no '..', no absolute paths, no symlink leading out, only the expected file types.
 */

export const IMAGE_TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png' };
export const MAX_IMAGE_BYTES = 16 * 1024 * 1024;

/**
 * The absolute path of `rel` inside `root`, or an HttpError: 400 for a path that tries to leave
 * the root or has a type not served, 404 when there is no such file.
 */
export async function resolveInside(root: string, rel: string, types: Record<string, string>): Promise<{ path: string; type: string; size: number }> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    throw new HttpError(400, 'malformed path encoding');
  }
  if (decoded.includes('\0') || decoded.includes('\\') || isAbsolute(decoded) || decoded.split('/').some((p) => p === '..' || p === '.')) {
    throw new HttpError(400, 'path must stay inside its folder');
  }
  const type = types[extname(decoded).toLowerCase()];
  if (!type) throw new HttpError(400, `file type not served: '${extname(decoded) || 'none'}'`);
  const base = resolve(root);
  const abs = resolve(base, decoded);
  if (!isWithin(base, abs)) throw new HttpError(400, 'path must stay inside its folder');
  let real: string;
  let realBase: string;
  try {
    [real, realBase] = await Promise.all([realpath(abs), realpath(base)]);
  } catch {
    throw new HttpError(404, 'no such file');
  }
  // A symlink inside the folder pointing elsewhere is refused like '..'.
  if (!isWithin(realBase, real)) throw new HttpError(400, 'path must stay inside its folder');
  const st = await stat(real).catch(() => null);
  if (!st || !st.isFile()) throw new HttpError(404, 'no such file');
  if (st.size > MAX_IMAGE_BYTES) throw new HttpError(413, 'file too large to serve');
  return { path: real, type, size: st.size };
}

export function isWithin(root: string, p: string): boolean {
  const r = relative(root, p);
  return r !== '' && !r.startsWith('..' + sep) && r !== '..' && !isAbsolute(r);
}

/** The compiled front-end modules, read once and kept (they never change while the daemon runs). */
export class ClientAssets {
  private readonly cache = new Map<string, Buffer>();
  static readonly NAME = /^[a-z][a-zA-Z0-9_-]*\.js(\.map)?$/;

  constructor(private readonly dir: string) {}

  async get(name: string): Promise<{ body: Buffer; type: string }> {
    if (!ClientAssets.NAME.test(name)) throw new HttpError(404, 'no such asset');
    let body = this.cache.get(name);
    if (!body) {
      try {
        body = await readFile(resolve(this.dir, name));
      } catch {
        throw new HttpError(404, `no such asset '${name}' (is the front end built? npm run build)`);
      }
      this.cache.set(name, body);
    }
    return { body, type: name.endsWith('.map') ? 'application/json; charset=utf-8' : 'text/javascript; charset=utf-8' };
  }
}
