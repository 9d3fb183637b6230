#!/usr/bin/env node
/**
 * Used by scripts/arm64-check.sh, run once under each architecture: every image of a folder through
 * the daemon's own preprocessing (dist/preprocess), with the shipped card's spec (sharp, lanczos3)
 * and with the same spec on the libjpeg-turbo + area path (@julusian/jpeg-turbo), written as JSON
 * {arch, images: [{name, sharp, area}]} with the 8-bit pixels base64-encoded, so compare.mjs can
 * say how many pixels differ between x86-64 and arm64, not only that a digest does.
 *
 *   node scripts/arm64/preprocess-dump.mjs DIST_DIR CARD.json FRAMES_DIR OUT.json
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, cardFile, framesDir, outFile] = process.argv.slice(2);
if (!outFile) {
  process.stderr.write('usage: preprocess-dump.mjs DIST_DIR CARD.json FRAMES_DIR OUT.json\n');
  process.exit(2);
}
const { preprocessImage } = await import(pathToFileURL(resolve(dist, 'preprocess/index.js')).href);
const spec = JSON.parse(readFileSync(cardFile, 'utf8')).preprocess;
const images = [];
for (const name of readdirSync(framesDir).filter((f) => /\.jpe?g$/i.test(f)).sort()) {
  const data = readFileSync(join(framesDir, name));
  const sharp = await preprocessImage(data, spec);
  const area = await preprocessImage(data, { ...spec, kernel: 'area' });
  images.push({ name, sharp: Buffer.from(sharp.pixels).toString('base64'), area: Buffer.from(area.pixels).toString('base64') });
}
writeFileSync(outFile, JSON.stringify({ arch: process.arch, node: process.version, images }));
process.stdout.write(`${process.arch}: ${images.length} images preprocessed (sharp ${spec.kernel}, and area via libjpeg-turbo)\n`);
