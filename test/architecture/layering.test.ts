import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

// The layering rule `npm test` runs (npm run lint:deps) must fail on each kind of violation: each
// case builds a small src/ tree in a temp folder and runs the project's own depcruise config on it.
const CONFIG = resolve('.dependency-cruiser.cjs');
const BIN = resolve('node_modules/.bin/depcruise');
const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

/** A clean tree: platform, domain, capture and actuate with their doors, importing downward only. */
const CLEAN: Record<string, string> = {
  'src/platform/index.ts': "export { now } from './clock.js';\n",
  'src/platform/clock.ts': 'export const now = () => 0;\n',
  'src/domain/index.ts': "export type Frame = { seq: number };\n",
  'src/capture/index.ts': "export { capture } from './replay.js';\n",
  'src/capture/replay.ts': "import { now } from '../platform/index.js';\nimport type { Frame } from '../domain/index.js';\nexport const capture = (): Frame => ({ seq: now() });\n",
  'src/actuate/index.ts': "export { pulse } from './plc.js';\n",
  'src/actuate/plc.ts': "import { capture } from '../capture/index.js';\nexport const pulse = () => capture().seq;\n",
};

function violations(extra: Record<string, string>): string[] {
  const root = mkdtempSync(join(tmpdir(), 'inspectd-layers-'));
  roots.push(root);
  const files = { ...CLEAN, ...extra, 'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }) };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  let out: string;
  try {
    out = execFileSync(BIN, ['src', '--config', CONFIG, '--output-type', 'json'], { cwd: root, encoding: 'utf8' });
  } catch (err) {
    out = (err as { stdout: string }).stdout; // depcruise exits non-zero when it finds errors
  }
  const report = JSON.parse(out) as { summary: { violations: Array<{ rule: { name: string }; from: string; to: string }> } };
  return report.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
}

describe('layering rule (.dependency-cruiser.cjs)', () => {
  it('passes a tree that imports downward through doors', () => {
    expect(violations({})).toEqual([]);
  }, 30_000);

  // One tree with one violation of each kind, each in its own file (one depcruise run, not four).
  it('fails an upward import (type-only too), a bypassed door, a cycle and an unplaced folder', () => {
    expect(violations({
      // upward: the floor reaching up to the domain
      'src/platform/clock.ts': "import type { Frame } from '../domain/index.js';\nexport const now = (f?: Frame) => f?.seq ?? 0;\n",
      // around the door: actuate reaching into capture's replay.ts
      'src/actuate/plc.ts': "import { capture } from '../capture/replay.js';\nimport { x } from '../misc/index.js';\nexport const pulse = () => capture().seq + x;\n",
      // a cycle inside a stage
      'src/capture/replay.ts': "import { stamp } from './stamp.js';\nexport const capture = () => ({ seq: stamp() });\nexport const base = 1;\n",
      'src/capture/stamp.ts': "import { base } from './replay.js';\nexport const stamp = () => base;\n",
      // a folder with no place in LAYERS
      'src/misc/index.ts': 'export const x = 1;\n',
    })).toEqual([
      'layer-platform: src/platform/clock.ts → src/domain/index.ts',
      'no-circular: src/capture/replay.ts → src/capture/stamp.ts',
      'one-door-per-stage: src/actuate/plc.ts → src/capture/replay.ts',
      'only-known-stages: src/actuate/plc.ts → src/misc/index.ts',
    ]);
  }, 30_000);
});
