/**
 * Every error the daemon raises carries a stage-prefixed code (CONFIG_*, CAMERA_*, FRAME_*,
 * MODEL_*, GPIO_*, STORE_*, MQTT_*) and the context needed to act on it, so logs and MQTT
 * fault messages can be filtered without parsing prose.
 */
export class InspectdError extends Error {
  readonly code: string;
  readonly context: Record<string, unknown>;

  constructor(code: string, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InspectdError';
    this.code = code;
    this.context = context;
  }
}

export function errorCode(err: unknown, fallback = 'INTERNAL'): string {
  return err instanceof InspectdError ? err.code : fallback;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
