/**
 * Every error and fault code the daemon emits, by stage. Operators filter logs and MQTT faults on
 * these strings, so they are a registry, not free text: `ErrorCode` is the union of the lists
 * below, and InspectdError, Fault and result errors take only an `ErrorCode`, so a misspelt code
 * is a compile error. Add a code here before raising it.
 */
export const ERROR_CODES = {
  camera: ['CAMERA_BUSY', 'CAMERA_CONFIG', 'CAMERA_EXITED', 'CAMERA_FATAL', 'CAMERA_FILE_MISSING', 'CAMERA_NOT_TRIGGERED', 'CAMERA_NO_FRAMES', 'CAMERA_OPEN', 'CAMERA_SPAWN', 'CAMERA_STALLED', 'CAMERA_TRIGGER_DROPPED', 'CAMERA_TRIGGER_MISSED'],
  frame: ['FRAME_DECODE', 'FRAME_DROPPED', 'FRAME_EMPTY', 'FRAME_FILE_TOO_LARGE', 'FRAME_NOT_A_FILE', 'FRAME_READ', 'FRAME_ROI', 'FRAME_TOO_LARGE'],
  cli: ['CLI_USAGE'],
  config: ['CONFIG_HISTORY_SHORT', 'CONFIG_INVALID', 'CONFIG_SECRET_EMPTY', 'CONFIG_SECRET_UNREADABLE'],
  daemon: ['DAEMON_NOTIFY', 'DECISION_LATE', 'INTERNAL'],
  gpio: ['GPIO_CHIP_AMBIGUOUS', 'GPIO_CHIP_NOT_FOUND', 'GPIO_CONFIG', 'GPIO_DECISION_LATE', 'GPIO_LINE', 'GPIO_LOST', 'GPIO_OPEN', 'GPIO_REJECT_DROPPED', 'GPIO_REJECT_MISSED', 'GPIO_SIM_LOG', 'GPIO_STATE', 'GPIO_TOOL', 'GPIO_TRIGGER_LOST', 'GPIO_WRITE'],
  http: ['HTTP_LISTEN'],
  modbus: ['MODBUS_EXCEPTION', 'MODBUS_LISTEN'],
  model: ['MODEL_CARD_INVALID', 'MODEL_CARD_MISSING', 'MODEL_CLOSED', 'MODEL_FAILED', 'MODEL_INFERENCE_FAILED', 'MODEL_INPUT_SHAPE', 'MODEL_LOAD_FAILED', 'MODEL_NOT_FOUND', 'MODEL_SCORE_RULE', 'MODEL_SHA256_MISMATCH', 'MODEL_SHAPE_MISMATCH', 'MODEL_START_TIMEOUT', 'MODEL_TEST_HOOK', 'MODEL_TIMEOUT', 'MODEL_WORKER_CRASHED', 'MODEL_WORKER_FAILED', 'MODEL_WORKER_MISSING'],
  mqtt: ['MQTT_AUTH', 'MQTT_CLOSE', 'MQTT_CONFIG', 'MQTT_CONNECTION', 'MQTT_OUTBOX_MARK', 'MQTT_OUTBOX_READ', 'MQTT_PUBLISH', 'MQTT_SESSION_TAKEOVER', 'MQTT_SUBSCRIBE', 'MQTT_TLS', 'MQTT_TOPIC'],
  opcua: ['OPCUA_LISTEN', 'OPCUA_START'],
  store: ['STORE_BAD_ROW', 'STORE_CLOSE', 'STORE_CLOSED', 'STORE_CORRUPT', 'STORE_FAILING', 'STORE_IMAGE_DELETE', 'STORE_IMAGE_ENCODE', 'STORE_IMAGE_WRITE', 'STORE_OPEN', 'STORE_OUTBOX_FULL', 'STORE_QUEUE_FULL', 'STORE_RECOVERED', 'STORE_ROWS_LOST', 'STORE_SCHEMA_TOO_NEW', 'STORE_SETTING_INVALID', 'STORE_TOPICS', 'STORE_WRITE'],
} as const;

/**
 * Store operations run under the store's guard: a failure is counted and logged as
 * `STORE_<OPERATION>` (e.g. STORE_EVICT) and the daemon carries on.
 */
export const STORE_OPERATIONS = ['close', 'evict', 'image_listener', 'image_path', 'mark_delivered', 'minutes', 'minutes_retention', 'optimize', 'outbox_count', 'outbox_listener', 'outbox_retention', 'retention', 'row_cap', 'setting', 'settings', 'threshold_change', 'totals'] as const;
export type StoreOperation = (typeof STORE_OPERATIONS)[number];

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES][number] | `STORE_${Uppercase<StoreOperation>}`;

/** The code a guarded store operation logs. */
export function storeOperationCode(op: StoreOperation): ErrorCode {
  return `STORE_${op.toUpperCase() as Uppercase<StoreOperation>}`;
}

const KNOWN = new Set<string>([...Object.values(ERROR_CODES).flat(), ...STORE_OPERATIONS.map(storeOperationCode)]);

/** Whether a string that crossed a boundary untyped (a worker message, a DB row) is a registered code. */
export function isErrorCode(code: string): code is ErrorCode {
  return KNOWN.has(code);
}
