/**
 * Headless Chromium for the dashboard's end-to-end tests: Debian's /usr/bin/chromium driven by
 * playwright-core, and a rebuild of the front end when a source is newer than its compiled file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ROOT } from './harness.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CLI = join(ROOT, 'dist/daemon/main.js');

/** Rebuild when a dashboard source is newer than its compiled file (npm test builds first anyway). */
export function ensureBuilt(): void {
  const stale = (dir: string): boolean =>
    readdirSync(join(ROOT, 'src', dir), { withFileTypes: true }).some((e) => {
      if (e.isDirectory()) return stale(join(dir, e.name));
      if (!e.name.endsWith('.ts')) return false;
      const out = join(ROOT, 'dist', dir, e.name.replace(/\.ts$/, '.js'));
      return !existsSync(out) || statSync(out).mtimeMs < statSync(join(ROOT, 'src', dir, e.name)).mtimeMs;
    });
  if (!existsSync(CLI) || stale('web')) execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', ROOT], { stdio: 'inherit' });
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium package (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // playwright gives every launch a fresh, empty profile (its own --user-data-dir).
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
