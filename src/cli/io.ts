import type { Writable } from 'node:stream';

/** What a CLI command may touch: its arguments and two output streams. Only src/daemon/main.ts sees `process`. */
export interface CliIo {
  out: Writable;
  err: Writable;
  /** True when `err` is a terminal: progress bars only then. */
  interactive: boolean;
  /** True when `out` is a terminal: human-readable logs then, JSON lines otherwise (systemd, pipes). */
  outIsTTY?: boolean;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** This process's pid (systemd's WATCHDOG_PID is compared with it). */
  pid: number;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

/** Parsed flag values of one command (node:util parseArgs). */
export type Values = Record<string, string | boolean | undefined>;

export class UsageError extends Error {
  readonly code = 'CLI_USAGE';
}

export function line(stream: Writable, text: string): void {
  stream.write(text.endsWith('\n') ? text : text + '\n');
}

/** A required flag's value, or a usage error naming the flag. */
export function req(v: string | boolean | undefined, name: string): string {
  if (typeof v !== 'string' || v === '') throw new UsageError(`${name} is required`);
  return v;
}
