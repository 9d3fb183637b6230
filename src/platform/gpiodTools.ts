import { execFile } from 'node:child_process';
import { InspectdError, errorMessage } from './errors.js';

/** Paths of the libgpiod command-line tools; injectable so tests can put stand-ins in their place. */
export interface GpiodTools {
  gpioset: string;
  gpiodetect: string;
  gpiomon: string;
}

export const DEFAULT_TOOLS: GpiodTools = { gpioset: 'gpioset', gpiodetect: 'gpiodetect', gpiomon: 'gpiomon' };

export interface ChipInfo {
  /** gpiochipN — changes between kernels, so never configured directly. */
  name: string;
  /** Driver label, e.g. pinctrl-rp1 (Pi 5), pinctrl-bcm2711 (Pi 4), tegra234-gpio (Orin). */
  label: string;
  lines: number;
}

/** Parse `gpiodetect` output (same format in libgpiod 1.x and 2.x): `gpiochip4 [pinctrl-rp1] (54 lines)`. */
export function parseGpiodetect(text: string): ChipInfo[] {
  const chips: ChipInfo[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+)\s+\[([^\]]*)\]\s+\((\d+)\s+lines?\)/.exec(line);
    if (m) chips.push({ name: m[1], label: m[2], lines: Number(m[3]) });
  }
  return chips;
}

/**
 * The chip a config names: by label first (stable across kernels), then by name or /dev path
 * for boards whose labels are ambiguous. Throws GPIO_CHIP_NOT_FOUND listing what exists.
 */
export function resolveChip(wanted: string, chips: ChipInfo[]): ChipInfo {
  const byLabel = chips.filter((c) => c.label === wanted);
  if (byLabel.length === 1) return byLabel[0];
  if (byLabel.length > 1) {
    throw new InspectdError('GPIO_CHIP_AMBIGUOUS', `several GPIO chips carry the label '${wanted}'; name one (gpiochipN) instead`, {
      chips: byLabel.map((c) => c.name),
    });
  }
  const name = wanted.startsWith('/dev/') ? wanted.slice(5) : wanted;
  const byName = chips.find((c) => c.name === name);
  if (byName) return byName;
  const available = chips.map((c) => `${c.name} [${c.label}]`);
  throw new InspectdError('GPIO_CHIP_NOT_FOUND', `no GPIO chip labelled or named '${wanted}' (available: ${available.join(', ') || 'none'})`, { available });
}

/** Major version from `gpioset --version`: "gpioset (libgpiod) v1.6.3" → 1. */
export function parseGpiodVersion(text: string): { major: number; version: string } | null {
  const m = /libgpiod\)?\s+v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return null;
  return { major: Number(m[1]), version: `${m[1]}.${m[2]}${m[3] !== undefined ? `.${m[3]}` : ''}` };
}

export function runTool(file: string, args: string[], env?: Record<string, string | undefined>, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, env, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        reject(new InspectdError('GPIO_TOOL', `${file} ${args.join(' ')} failed: ${errorMessage(err)} ${String(stderr).trim()}`.trim(), { file, args }, { cause: err }));
      } else resolve(String(stdout) + String(stderr));
    });
  });
}

export interface GpiodToolInfo {
  major: number;
  version: string;
  /** libgpiod 2.x built with --enable-gpioset-interactive (`gpioset -i`). */
  interactive: boolean;
}

/** Which libgpiod the installed tools are, and whether 2.x gpioset has interactive mode. */
export async function probeGpiod(tools: GpiodTools, env?: Record<string, string | undefined>): Promise<GpiodToolInfo> {
  const out = await runTool(tools.gpioset, ['--version'], env);
  const v = parseGpiodVersion(out);
  if (!v) throw new InspectdError('GPIO_TOOL', `cannot tell the libgpiod version from '${out.trim().split('\n')[0]}'`, { file: tools.gpioset });
  let interactive = false;
  if (v.major >= 2) interactive = /--interactive/.test(await runTool(tools.gpioset, ['--help'], env));
  return { ...v, interactive };
}

export async function detectChips(tools: GpiodTools, env?: Record<string, string | undefined>): Promise<ChipInfo[]> {
  return parseGpiodetect(await runTool(tools.gpiodetect, [], env));
}
