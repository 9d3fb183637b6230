import type { ParseArgsConfig } from 'node:util';

/** One flag as the parser sees it and as `--help` shows it. */
export interface Flag {
  type: 'string' | 'boolean';
  /** Placeholder for the value in help (`--model FILE`). */
  arg?: string;
  help: string;
  /** What applies when the flag is absent; `required` when there is nothing to fall back on. */
  default?: string;
  required?: boolean;
}

export interface CommandSpec {
  /** Positional arguments as shown in the synopsis, e.g. `DIR OUT.npy`. */
  args?: string;
  summary: string;
  flags: Record<string, Flag>;
}

export function parseOptions(flags: Record<string, Flag>): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(Object.entries(flags).map(([k, f]) => [k, { type: f.type }]));
}

export function synopsis(name: string, spec: CommandSpec): string {
  const req = Object.entries(spec.flags).filter(([, f]) => f.required).map(([k, f]) => `--${k}${f.arg ? ` ${f.arg}` : ''}`);
  const optional = Object.values(spec.flags).some((f) => !f.required) ? ' [options]' : '';
  return ['inspectd', name, spec.args, ...req].filter(Boolean).join(' ') + optional;
}

/** `inspectd <command> --help`: synopsis, what it does, every flag with its default. */
export function commandHelp(name: string, spec: CommandSpec, exitTable: string): string {
  const rows = Object.entries(spec.flags).map(([k, f]) => {
    const lhs = `--${k}${f.arg ? ` ${f.arg}` : ''}`;
    const tail = f.required ? '(required)' : f.type === 'boolean' ? '(default: off)' : `(default: ${f.default ?? 'none'})`;
    return [lhs, `${f.help} ${tail}`] as const;
  });
  rows.push(['-h, --help', 'this help']);
  const w = Math.max(...rows.map(([l]) => l.length)) + 2;
  return [`usage: ${synopsis(name, spec)}`, '', spec.summary, '', 'options:', ...rows.map(([l, r]) => `  ${l.padEnd(w)}${r}`), '', exitTable].join('\n');
}
