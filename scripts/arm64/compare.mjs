#!/usr/bin/env node
/**
 * Used by scripts/arm64-check.sh: compares what the same replay left behind on x86-64 and under
 * arm64 emulation — every SQLite row (seq, source, verdict, threshold, score rule, error code
 * equal; score within --tol), what the PLC was told (parts decided, passed, rejected, late,
 * failed: equal), and the preprocessed pixels (count of differing bytes, both kernels).
 * Prints a report and one JSON line; exit 0 when everything matches, 1 when not.
 *
 *   node scripts/arm64/compare.mjs --ref X86_DIR --arm ARM_DIR [--arm ARM_DIR2 …] [--tol 1e-5]
 *
 * Runs on the host (x86 better-sqlite3 reads the arm64-written file: SQLite's format is the same
 * on every architecture).
 *
 * Why 1e-5 on scores: the int8 convolutions are integer arithmetic (exact on any CPU), but the
 * float32 steps around them (dequantize, sigmoid, pooling, the head) may be ordered or fused (FMA)
 * differently by onnxruntime's NEON and AVX2 kernels; each such step can move the last float32 bit
 * (~6e-8 relative). 1e-5 leaves room for a few hundred of those and is still ~2000x smaller than
 * the closest any sample's score comes to the threshold (0.0199), so no verdict can flip inside
 * it; a verdict must be equal anyway. Measured on the bundled samples: 0, bit-identical.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const { values: a } = parseArgs({ options: { ref: { type: 'string' }, arm: { type: 'string', multiple: true }, tol: { type: 'string', default: '1e-5' } } });
if (!a.ref || !a.arm?.length) {
  process.stderr.write('usage: compare.mjs --ref X86_DIR --arm ARM_DIR [--arm …] [--tol 1e-5]\n');
  process.exit(2);
}
const tol = Number(a.tol);

function rows(dir) {
  const db = new Database(join(dir, 'inspectd.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT seq, source, score, score_rule, threshold, verdict, error_code FROM inspections ORDER BY seq').all();
  } finally {
    db.close();
  }
}

/**
 * What the PLC was told, from the final stats line of the run's log: parts decided, passed,
 * rejected, late, failed. Pulses are not compared: back-to-back rejects at fps 0 merge into one
 * pulse (plc.merged) depending on how fast frames came, which emulation changes.
 */
function plc(dir) {
  const stats = readFileSync(join(dir, 'run.log'), 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((l) => l.msg === 'stats' && l.plc);
  const last = stats.at(-1)?.plc;
  if (!last) return null;
  const { decided, passed, rejected, late, failed, pulses, merged } = last;
  return { decided, passed, rejected, late, failed, pulses, merged };
}
const PLC_KEYS = ['decided', 'passed', 'rejected', 'late', 'failed'];

function pixelDiffs(refDump, armDump) {
  const out = { images: refDump.images.length, sharp: { bytes_differing: 0, max_abs: 0 }, area: { bytes_differing: 0, max_abs: 0 } };
  if (refDump.images.length !== armDump.images.length) return { ...out, error: `image counts differ: ${refDump.images.length} vs ${armDump.images.length}` };
  refDump.images.forEach((r, i) => {
    for (const k of ['sharp', 'area']) {
      const x = Buffer.from(r[k], 'base64');
      const y = Buffer.from(armDump.images[i][k], 'base64');
      if (x.length !== y.length) out[k].bytes_differing += Math.max(x.length, y.length);
      else for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) (out[k].bytes_differing++, (out[k].max_abs = Math.max(out[k].max_abs, Math.abs(x[j] - y[j]))));
    }
  });
  return out;
}

const ref = rows(a.ref);
const refPlc = plc(a.ref);
const refDump = JSON.parse(readFileSync(join(a.ref, 'preprocess.json'), 'utf8'));
const results = [];
let ok = ref.length > 0;
if (!ok) process.stdout.write(`${a.ref}: no rows\n`);

for (const dir of a.arm) {
  const arm = rows(dir);
  const problems = [];
  let maxAbs = 0;
  let closest = Infinity; // smallest |score - threshold|: how near a decision came to flipping
  if (arm.length !== ref.length) problems.push(`row count ${arm.length} vs x86 ${ref.length}`);
  for (let i = 0; i < Math.min(arm.length, ref.length); i++) {
    const x = ref[i];
    const y = arm[i];
    for (const k of ['seq', 'source', 'verdict', 'threshold', 'score_rule', 'error_code']) {
      const xv = k === 'source' ? basename(String(x[k])) : x[k];
      const yv = k === 'source' ? basename(String(y[k])) : y[k];
      if (xv !== yv) problems.push(`seq ${x.seq}: ${k} ${JSON.stringify(yv)} vs x86 ${JSON.stringify(xv)}`);
    }
    if ((x.score === null) !== (y.score === null)) problems.push(`seq ${x.seq}: score ${y.score} vs x86 ${x.score}`);
    else if (x.score !== null) {
      const d = Math.abs(x.score - y.score);
      maxAbs = Math.max(maxAbs, d);
      closest = Math.min(closest, Math.abs(x.score - x.threshold));
      if (d > tol) problems.push(`seq ${x.seq} (${basename(x.source)}): score ${y.score} vs x86 ${x.score}, |Δ| ${d.toExponential(2)} > ${tol}`);
    }
  }
  const told = plc(dir);
  if (!told || !refPlc) problems.push(`no final stats line in ${told ? a.ref : dir}/run.log`);
  else for (const k of PLC_KEYS) if (told[k] !== refPlc[k]) problems.push(`PLC ${k} ${told[k]} vs x86 ${refPlc[k]}`);
  const dump = JSON.parse(readFileSync(join(dir, 'preprocess.json'), 'utf8'));
  const pixels = pixelDiffs(refDump, dump);
  if (pixels.error) problems.push(pixels.error);
  const verdicts = arm.reduce((m, r) => ((m[r.verdict] = (m[r.verdict] ?? 0) + 1), m), {});
  results.push({ run: basename(dir), arch: dump.arch, node: dump.node, rows: arm.length, verdicts, max_abs_score_diff: maxAbs, closest_to_threshold: closest, plc: told, pixels, problems });
  ok &&= problems.length === 0;
  process.stdout.write(
    `${basename(dir)} (${dump.arch}, node ${dump.node}) vs x86-64: ${arm.length} rows ${JSON.stringify(verdicts)}, ` +
      `max |Δscore| ${maxAbs.toExponential(2)} (tolerance ${tol}; nearest score to the threshold ${closest.toFixed(4)} away), ` +
      `PLC told ${told ? PLC_KEYS.map((k) => `${k} ${told[k]}`).join(' ') : '?'}, ` +
      `pixels differing: sharp ${pixels.sharp.bytes_differing}, area ${pixels.area.bytes_differing} of ${pixels.images} images` +
      (problems.length ? `\n  MISMATCH:\n  - ${problems.join('\n  - ')}` : ' — equal') + '\n',
  );
}
process.stdout.write(JSON.stringify({ ok, tolerance: tol, x86_rows: ref.length, x86_plc: refPlc, runs: results }) + '\n');
process.exit(ok ? 0 : 1);
