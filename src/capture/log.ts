/**
 * The logger the capture, actuate and systemd adapters take: the subset of pino they use, so a
 * pino child logger drops in and tests can pass a recording stub. (Candidate for src/util/.)
 */
export interface Logger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
