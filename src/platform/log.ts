/**
 * The one logger type every stage takes: the subset of pino the code uses, so a pino logger (or a
 * pino child) drops in and tests pass a recording stub or `silentLogger`.
 */
export interface Logger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  /** One child per stage (`{ stage: 'gpio' }`), as pino does; optional so plain stubs still fit. */
  child?(bindings: Record<string, unknown>): Logger;
}

/** A logger that hands out per-stage children: what the composition root and the web/plant adapters take. */
export interface RootLogger extends Logger {
  child(bindings: Record<string, unknown>): RootLogger;
}

export const silentLogger: RootLogger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silentLogger };
