#!/usr/bin/env node
// Measures the shipped models on the shared test splits with the daemon's own `inspectd eval`
// (int8 and fp32, good-only threshold from each card) and prints a Markdown table plus the JSON.
// Usage: node scripts/eval-models.mjs [--datasets ../shared/datasets]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const i = process.argv.indexOf('--datasets');
const ds = resolve(i > 0 ? process.argv[i + 1] : join(root, '../shared/datasets'));
const cli = join(root, 'dist/daemon/main.js');
const leaked = join(ds, 'casting_test_good_identical_in_train.txt');

const runs = [];
for (const [name, extra, label] of [
  ['casting', [], 'casting test (official split)'],
  ['casting', ['--exclude', leaked], 'casting test without the 64 leaked goods'],
  ['casting-ae', [], 'casting test (official split), autoencoder alone'],
  ['cracks', [], 'cracks test'],
  ['cracks-ae', [], 'cracks test, autoencoder alone'],
]) {
  for (const variant of ['int8', 'fp32']) {
    const model = join(root, 'models', `${name}-${variant}.onnx`);
    const data = name.replace(/-ae$/, '');
    if (!existsSync(model)) continue;
    const args = [cli, 'eval', '--model', model, '--good', join(ds, data, 'test/good'), '--defect', join(ds, data, 'test/defect'), '--json', ...extra];
    const r = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
    runs.push({ label, variant, cmd: `node dist/daemon/main.js eval --model models/${name}-${variant}.onnx --good ${data}/test/good --defect ${data}/test/defect --json${extra.length ? ' --exclude casting_test_good_identical_in_train.txt' : ''}`, ...r });
  }
}
const pct = (x) => `${(x * 100).toFixed(1)} %`;
console.log('| set | model | AUROC | accuracy | precision | recall | F1 | threshold | tp fp tn fn |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of runs) console.log(`| ${r.label} | ${r.variant} | ${r.auroc.toFixed(4)} | ${pct(r.accuracy)} | ${pct(r.precision)} | ${pct(r.recall)} | ${pct(r.f1)} | ${r.threshold.toFixed(4)} | ${r.tp} ${r.fp} ${r.tn} ${r.fn} |`);
console.log('\n' + JSON.stringify(runs, null, 1));
