/**
 * Bad configuration and bad model, through the built CLI: `validate-config` lists every problem
 * with its key path (and YAML line), `run` refuses to start with exit 2, lists them too, and
 * writes nothing — no database, no sim GPIO log, no images folder: never half-configured.
 *
 * The model cases use a copy of the fixture model whose card is edited; the card's onnx_sha256 is
 * recomputed from the copied .onnx wherever the case is not about the hash, so the check under
 * test is the one that fails.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyModel, runDaemon, stationConfig, tempDir } from './daemon.js';

const t = tempDir('badconfig');
afterAll(() => t.cleanup());

interface Problem { path: string; line?: number; message: string }

/** Run validate-config --json and run on `cfg`; check the refusal and that nothing was written in `dir`. */
async function refuse(dir: string, cfg: string): Promise<Problem[]> {
  const before = readdirSync(dir).sort();
  const v = await runDaemon(['validate-config', '--config', cfg, '--json'], { limitMs: 30_000 });
  expect(v.code).toBe(2); // as run's refusal
  const out = JSON.parse(v.stdout) as { valid: boolean; problems: Problem[] };
  expect(out.valid).toBe(false);
  const r = await runDaemon(['run', '--config', cfg], { limitMs: 30_000 });
  expect(r.code).toBe(2);
  expect(r.stdout).toBe(''); // the logger is never created: nothing started
  expect(r.stderr).toContain('refusing to start');
  // run lists the same problems (each as "  - path (line n): message").
  for (const p of out.problems) expect(r.stderr).toContain(`  - ${p.path}`);
  expect(readdirSync(dir).sort()).toEqual(before);
  for (const f of ['inspectd.db', 'gpio.jsonl', 'images', 'data']) expect(existsSync(join(dir, f))).toBe(false);
  return out.problems;
}

/** A config that would start, pointing at `model`; DB, sim log and images relative to `dir`. */
function goodConfig(dir: string, model: string, extra: Record<string, unknown> = {}): string {
  return stationConfig(dir, { station: 'st-cfg', frames: 2, fps: 0, loop: false, model }, extra);
}

function editCard(model: string, edit: (card: Record<string, any>) => void): void {
  const file = model.replace(/\.onnx$/, '.card.json');
  const card = JSON.parse(readFileSync(file, 'utf8'));
  card.onnx_sha256 = createHash('sha256').update(readFileSync(model)).digest('hex');
  edit(card);
  writeFileSync(file, JSON.stringify(card, null, 2));
}

describe('refuses to start on a bad config or model, listing every problem (built CLI)', () => {
  it('the baseline config starts (so each case below fails only for its own fault)', async () => {
    const dir = join(t.dir, 'good');
    mkdirSync(dir);
    const cfg = goodConfig(dir, copyModel(join(dir, 'm')));
    const v = await runDaemon(['validate-config', '--config', cfg], { limitMs: 30_000 });
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });

  it('unknown keys, wrong types and missing files: all listed at once, with key paths and lines', async () => {
    const dir = join(t.dir, 'config');
    mkdirSync(dir);
    const cfg = join(dir, 'config.yaml');
    writeFileSync(
      cfg,
      [
        'station: 12', //                               1 wrong type
        'colour: red', //                               2 unknown key
        'camera:',
        '  source: replay',
        '  path: /does/not/exist', //                   5 missing folder
        '  fps: fast', //                               6 wrong type
        '  fsp: 3', //                                  7 unknown key
        'model:',
        '  path: /no/such/model.onnx', //               9 missing file
        'gpio: { backend: sim, sim_log: gpio.jsonl, pulse_ms: -5 }', // 10 out of range
        'storage: { database: inspectd.db, images: images, retention_days: "x" }', // 11 wrong type
        'mqtt: { url: "mqtt://127.0.0.1:1", ca: /no/ca.pem, comands: false }', // 12 missing file + unknown key
        'http: { enabled: false }',
      ].join('\n'),
    );
    const problems = await refuse(dir, cfg);
    const want: Array<[string, number, RegExp]> = [
      ['station', 1, /expected string/],
      ['colour', 2, /unknown key 'colour'/],
      ['camera.path', 5, /folder not found/],
      ['camera.fps', 6, /expected number/],
      ['camera.fsp', 7, /unknown key 'fsp'/],
      ['model.path', 9, /file not found/],
      ['gpio.pulse_ms', 10, /expected number to be >0/],
      ['storage.retention_days', 11, /expected number/],
      ['mqtt.ca', 12, /file not found/],
      ['mqtt.comands', 12, /unknown key 'comands'/],
    ];
    for (const [path, line, msg] of want) {
      const p = problems.find((x) => x.path === path);
      expect(p, `problem at ${path}`).toBeDefined();
      expect(p!.line).toBe(line);
      expect(p!.message).toMatch(msg);
    }
    expect(problems.length).toBe(want.length);
  });

  it('a model whose .onnx disagrees with its card shape (card self-consistent, sha256 right)', async () => {
    const dir = join(t.dir, 'shape');
    mkdirSync(dir);
    const model = copyModel(join(dir, 'm'));
    editCard(model, (c) => {
      // 64×48 everywhere in the card: only the session check (the real .onnx is 32×24) can see it.
      c.preprocess.width = 64;
      c.preprocess.height = 48;
      c.input.shape = [1, 1, 48, 64];
      c.output.shape = [1, 1, 48, 64];
    });
    const problems = await refuse(dir, goodConfig(dir, model));
    const paths = problems.map((p) => p.path);
    expect(paths).toContain('model.path → card input.shape');
    expect(paths).toContain('model.path → card output.shape');
    for (const p of problems) expect(p.message).toContain('MODEL_SHAPE_MISMATCH');
  });

  it('an unreadable card (not JSON)', async () => {
    const dir = join(t.dir, 'json');
    mkdirSync(dir);
    const model = copyModel(join(dir, 'm'));
    writeFileSync(model.replace(/\.onnx$/, '.card.json'), '{ "schema": "inspectd.model-card/1", "name": ');
    const problems = await refuse(dir, goodConfig(dir, model));
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('model.path');
    expect(problems[0].message).toMatch(/MODEL_CARD_INVALID.*not valid JSON/);
  });

  it('a card with a wrong sha256 (it belongs to another export)', async () => {
    const dir = join(t.dir, 'sha');
    mkdirSync(dir);
    const model = copyModel(join(dir, 'm'));
    editCard(model, (c) => (c.onnx_sha256 = '0'.repeat(64)));
    const problems = await refuse(dir, goodConfig(dir, model));
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('model.path');
    expect(problems[0].message).toMatch(/MODEL_SHA256_MISMATCH/);
  });

  it('a config problem does not hide a model problem: both are listed in one pass', async () => {
    const dir = join(t.dir, 'both');
    mkdirSync(dir);
    const model = copyModel(join(dir, 'm'));
    editCard(model, (c) => (c.onnx_sha256 = 'f'.repeat(64)));
    const cfg = goodConfig(dir, model, { colour: 'red' });
    const problems = await refuse(dir, cfg);
    expect(problems.map((p) => p.path).sort()).toEqual(['colour', 'model.path']);
    expect(problems.find((p) => p.path === 'model.path')!.message).toMatch(/MODEL_SHA256_MISMATCH/);
  });

  it('a card that is JSON but wrong in several places: every field listed with its card path', async () => {
    const dir = join(t.dir, 'fields');
    mkdirSync(dir);
    const model = copyModel(join(dir, 'm'));
    editCard(model, (c) => {
      c.variant = 'fp16';
      c.preprocess.channels = 2;
      delete c.thresholds;
    });
    const problems = await refuse(dir, goodConfig(dir, model));
    const paths = problems.map((p) => p.path);
    for (const p of ['variant', 'preprocess.channels', 'thresholds']) expect(paths).toContain(`model.path → card ${p}`);
  });
});
