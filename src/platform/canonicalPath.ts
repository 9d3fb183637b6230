import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * One spelling per place: symlinks in the part that exists are resolved, the part that does not
 * exist yet (a database `run` will create) is kept as written. So `/var/lib/inspectd/a.db` and a
 * symlinked `/srv/state/a.db` pointing there are seen as the same file when two configs are
 * compared.
 */
export function canonicalPath(p: string): string {
  const abs = resolve(p);
  const missing: string[] = [];
  let at = abs;
  while (!existsSync(at)) {
    const up = dirname(at);
    if (up === at) return abs;
    missing.unshift(basename(at));
    at = up;
  }
  try {
    return join(realpathSync(at), ...missing);
  } catch {
    return abs;
  }
}
