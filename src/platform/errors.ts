import type { ErrorCode } from './errorCodes.js';

export { ERROR_CODES, STORE_OPERATIONS, isErrorCode, storeOperationCode, type ErrorCode, type StoreOperation } from './errorCodes.js';

/**
 * Every error the daemon raises carries a registered, stage-prefixed code (CONFIG_*, CAMERA_*,
 * FRAME_*, MODEL_*, GPIO_*, STORE_*, MQTT_*; see errorCodes.ts) and the context needed to act on
 * it, so logs and MQTT fault messages can be filtered without parsing prose.
 */
export class InspectdError extends Error {
  readonly code: ErrorCode;
  readonly context: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InspectdError';
    this.code = code;
    this.context = context;
  }
}

export function errorCode(err: unknown, fallback: ErrorCode = 'INTERNAL'): ErrorCode {
  return err instanceof InspectdError ? err.code : fallback;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
