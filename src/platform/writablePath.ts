import { accessSync, constants, lstatSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Make sure the daemon can write where a config key points, before anything starts, and say
 * what is wrong in words when it cannot: Node's own errors name only the syscall and often the
 * wrong path (a recursive mkdir under a read-only folder can even report ENOENT).
 * Each function returns null when fine, else the problem as a sentence (without the key).
 */

/** Create `dir` (and its parents) if needed; it must end up a folder this process can write. */
export function ensureWritableDir(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    return `cannot create ${dir}/ — ${whyNotCreated(dir, err as NodeJS.ErrnoException)}`;
  }
  if (!statSync(dir).isDirectory()) return `${dir} is a file, not a folder`;
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    return `${dir}/ is not writable — ${reason(err as NodeJS.ErrnoException)}`;
  }
  return null;
}

/** The folder of `file` as ensureWritableDir; an existing `file` must be a regular file this process can write. */
export function ensureWritableFile(file: string): string | null {
  const dirProblem = ensureWritableDir(dirname(file));
  if (dirProblem) return dirProblem;
  let st;
  try {
    st = statSync(file);
  } catch {
    return null; // created on first open
  }
  if (!st.isFile()) return `${file} is not a regular file`;
  try {
    accessSync(file, constants.R_OK | constants.W_OK);
  } catch (err) {
    return `${file} is not writable — ${reason(err as NodeJS.ErrnoException)}`;
  }
  return null;
}

function reason(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (owned by another user, or read-only?)';
    case 'EROFS':
      return 'the file system is mounted read-only';
    default:
      return `${err.code ?? 'error'}: ${err.message}`;
  }
}

/** Why mkdir failed, told from the deepest part of the path that exists. */
function whyNotCreated(dir: string, err: NodeJS.ErrnoException): string {
  let at = dir;
  while (!exists(at) && dirname(at) !== at) at = dirname(at);
  const st = lstatOrNull(at);
  if (st?.isSymbolicLink() && !exists(at, true)) return `${at} is a dangling symlink`;
  if (st && !statSync(at).isDirectory()) return `${at} is a file, not a folder`;
  try {
    accessSync(at, constants.W_OK | constants.X_OK);
  } catch (e) {
    return `${at}/ is not writable: ${reason(e as NodeJS.ErrnoException)}`;
  }
  return reason(err);
}

function lstatOrNull(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

/** Whether `p` exists; `follow` false (default) counts a dangling symlink as existing. */
function exists(p: string, follow = false): boolean {
  try {
    (follow ? statSync : lstatSync)(p);
    return true;
  } catch {
    return false;
  }
}
