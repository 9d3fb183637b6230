import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalPath } from '../../src/platform/canonicalPath.js';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'inspectd-canon-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('canonicalPath (how two configs are seen to name one file)', () => {
  it('resolves symlinks in the part that exists and keeps the part still to be created', () => {
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    expect(canonicalPath(join(dir, 'link', 'state', 'a.db'))).toBe(join(dir, 'real', 'state', 'a.db'));
    expect(canonicalPath(join(dir, 'link'))).toBe(join(dir, 'real'));
  });

  it('normalises . and .. the same way', () => {
    expect(canonicalPath(join(dir, 'real', '..', 'real', '.', 'b.db'))).toBe(join(dir, 'real', 'b.db'));
  });
});
