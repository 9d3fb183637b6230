import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureWritableDir, ensureWritableFile } from '../../src/platform/writablePath.js';

// Cases that hold for any user, root included (permission cases: test/reliability/readOnlyData).
describe('ensureWritableDir / ensureWritableFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inspectd-wp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates missing folders and accepts an existing writable file', () => {
    expect(ensureWritableDir(join(dir, 'a/b/c'))).toBeNull();
    writeFileSync(join(dir, 'a/b/c/db'), '');
    expect(ensureWritableFile(join(dir, 'a/b/c/db'))).toBeNull();
    expect(ensureWritableFile(join(dir, 'new/db'))).toBeNull();
  });

  it('a path under a regular file: says which part is a file', () => {
    writeFileSync(join(dir, 'plain'), 'x');
    expect(ensureWritableDir(join(dir, 'plain/data/images'))).toBe(`cannot create ${join(dir, 'plain/data/images')}/ — ${join(dir, 'plain')} is a file, not a folder`);
    expect(ensureWritableDir(join(dir, 'plain'))).toBe(`cannot create ${join(dir, 'plain')}/ — ${join(dir, 'plain')} is a file, not a folder`);
    expect(ensureWritableFile(join(dir, 'plain/inspectd.db'))).toBe(`cannot create ${join(dir, 'plain')}/ — ${join(dir, 'plain')} is a file, not a folder`);
  });

  it('a dangling symlink in the path, and a database path that is a folder', () => {
    symlinkSync(join(dir, 'nowhere'), join(dir, 'link'));
    expect(ensureWritableDir(join(dir, 'link/data'))).toBe(`cannot create ${join(dir, 'link/data')}/ — ${join(dir, 'link')} is a dangling symlink`);
    mkdirSync(join(dir, 'db-as-dir'));
    expect(ensureWritableFile(join(dir, 'db-as-dir'))).toBe(`${join(dir, 'db-as-dir')} is not a regular file`);
  });
});
