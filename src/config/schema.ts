import { z } from 'zod';
import { isKnownZone } from '../platform/index.js';

/**
 * The one configuration schema: types, defaults and validation in one place. Every object is
 * strict (unknown keys are errors, as Frigate does with extra="forbid") because a typo in a
 * plant config must stop the daemon, not be silently ignored.
 */
// Bounds on free strings, so a config cannot smuggle a megabyte into topics, file names or logs.
const PATH_MAX = 4096; // Linux PATH_MAX; also bounds URLs
const NAME_MAX = 128; // station, topic prefixes, chip labels: parts of MQTT topics and log lines
const HOST_MAX = 253; // a DNS name

const line = z.strictObject({
  offset: z.number().int().min(0),
  active_low: z.boolean().default(false),
});

const roi = z.strictObject({
  left: z.number().int().min(0),
  top: z.number().int().min(0),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});

export const CameraSchema = z
  .strictObject({
    source: z.enum(['replay', 'file', 'v4l2', 'rtsp', 'libcamera']),
    /** Folder (replay), video file (file), device (v4l2), URL (rtsp); unused for libcamera. */
    path: z.string().min(1).max(PATH_MAX).optional(),
    /** Frames per second; 0 = replay as fast as the pipeline takes them (no drops). */
    fps: z.number().min(0).max(1000).default(10),
    loop: z.boolean().default(true),
    /** Bounded frame queue between camera and pipeline; the oldest frame is dropped when full. */
    queue: z.number().int().min(1).max(256).default(4),
    width: z.number().int().positive().optional(),
    height: z.number().int().positive().optional(),
    /** libcamera: which camera (rpicam-vid --camera N; `rpicam-hello --list-cameras`), for a box with several. Default 0. */
    index: z.number().int().min(0).max(15).optional(),
    /** Executable for libcamera (rpicam-vid, or libcamera-vid on older OS images) or ffmpeg. */
    executable: z.string().min(1).max(PATH_MAX).optional(),
    /** A live source that delivers no frame for this long is restarted. */
    stall_ms: z.number().int().positive().default(5000),
    max_restarts: z.number().int().min(0).default(10),
    /** Replay: a file larger than this (or not a regular file) becomes a FRAME_* error frame. */
    max_frame_bytes: z.number().int().positive().max(1024 * 1024 * 1024).default(64 * 1024 * 1024),
    roi: roi.nullable().default(null),
    trigger: z
      .strictObject({
        mode: z.enum(['free', 'gpio', 'software']).default('free'),
        line: line.optional(),
        edge: z.enum(['rising', 'falling']).default('rising'),
        debounce_ms: z.number().min(0).default(5),
        /** Photo-eye → field-of-view offset: the frame inspected is the first captured this long after the edge. */
        delay_ms: z.number().min(0).optional(),
        /** A trigger with no frame in this long becomes an empty frame (verdict error, a reject). */
        timeout_ms: z.number().positive().optional(),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.source !== 'libcamera' && !c.path) ctx.addIssue({ code: 'custom', path: ['path'], message: `camera.path is required for source '${c.source}'` });
    if (c.index !== undefined && c.source !== 'libcamera') ctx.addIssue({ code: 'custom', path: ['index'], message: `camera.index selects a libcamera camera; source '${c.source}' takes camera.path` });
    if (c.trigger.mode === 'gpio' && !c.trigger.line) ctx.addIssue({ code: 'custom', path: ['trigger', 'line'], message: 'trigger mode gpio needs trigger.line' });
  });

export const ModelSchema = z.strictObject({
  path: z.string().min(1).max(PATH_MAX),
  /** 'auto' = the model card's good-only threshold; a number overrides it. */
  threshold: z.union([z.literal('auto'), z.number().min(-1).max(1)], { error: "expected 'auto' or a number between -1 and 1" }).default('auto'),
  // Two workers keep both cores of a small board busy: one infers while the other scores.
  workers: z.number().int().min(1).max(8).default(2),
  threads_per_worker: z.number().int().min(1).max(8).default(1),
  /** An inference slower than this is abandoned (verdict error) and its worker restarted. */
  timeout_ms: z.number().int().positive().default(2000),
});

export const GpioSchema = z
  .strictObject({
    backend: z.enum(['sim', 'gpiod']).default('sim'),
    /** JSON lines {t, line, value} of every line change, for the sim backend. */
    sim_log: z.string().min(1).max(PATH_MAX).optional(),
    /** gpiochip label (e.g. pinctrl-rp1 on a Pi 5, tegra234-gpio on Orin) — not its number. */
    chip: z.string().min(1).max(NAME_MAX).optional(),
    lines: z
      .strictObject({ reject: line.optional(), ready: line.optional(), heartbeat: line.optional(), result_valid: line.optional() })
      .default({}),
    // Bounded so a stop can still drive every scheduled pulse within its 10 s deadline (README).
    travel_ms: z.number().min(0).max(5000, 'travel_ms must be <= 5000: a stop waits for the pulses in flight').default(0),
    pulse_ms: z.number().positive().max(1000, 'pulse_ms must be <= 1000: a stop waits for the pulses in flight').default(50),
    strobe_ms: z.number().positive().default(10),
    /** Parts whose decision is not in by capture + travel − this margin are rejected (fail-safe). */
    decision_margin_ms: z.number().min(0).default(5),
    on_error: z.enum(['reject', 'pass']).default('reject'),
    on_late: z.enum(['reject', 'pass']).default('reject'),
    /** `ready` drops and the heartbeat stops when no frame was decided for this long. */
    stall_ms: z.number().int().positive().default(3000),
  })
  .superRefine((g, ctx) => {
    if (g.backend === 'gpiod') {
      if (!g.chip) ctx.addIssue({ code: 'custom', path: ['chip'], message: 'gpio.chip (the chip label) is required for backend gpiod' });
      if (!g.lines.reject) ctx.addIssue({ code: 'custom', path: ['lines', 'reject'], message: 'gpio.lines.reject is required for backend gpiod' });
    }
  });

export const StorageSchema = z.strictObject({
  database: z.string().min(1).max(PATH_MAX).default('data/inspectd.db'),
  images: z.string().min(1).max(PATH_MAX).default('data/images'),
  /** Which frames are saved as JPEG (with SSIM heatmap): rejects and errors, all, or none. */
  save_images: z.enum(['rejects', 'all', 'none']).default('rejects'),
  retention_days: z.number().positive().default(30),
  /** Row cap on top of age (a row is ≈230 B; 2 M rows ≈ 0.5 GB): bounds the file at high frame rates. 0 = none. */
  max_rows: z.number().int().min(0).default(2_000_000),
  images_quota_mb: z.number().positive().default(1024),
});

/** Sparkplug ids are MQTT topic levels: no '/', '+', '#'. */
const SPB_ID = /^[^/+#\s]+$/;
export const SparkplugSchema = z.strictObject({
  /** Sparkplug B edge node on its own MQTT connection (same broker and credentials as mqtt.url): NBIRTH/NDEATH, DBIRTH/DDATA. */
  enabled: z.boolean().default(false),
  group_id: z.string().min(1).max(NAME_MAX).regex(SPB_ID, 'group_id must not contain / + # or blanks').default('inspectd'),
  /** Default: the station name. Unique per broker: the NDEATH will is tied to this node's connection. */
  edge_node_id: z.string().min(1).max(NAME_MAX).regex(SPB_ID, 'edge_node_id must not contain / + # or blanks').optional(),
  device_id: z.string().min(1).max(NAME_MAX).regex(SPB_ID, 'device_id must not contain / + # or blanks').default('inspection'),
});

export const MqttSchema = z.strictObject({
  /** Broker URL; mqtt://, mqtts:// (or any scheme in config/mqttUrl.ts). Empty string = MQTT disabled (SQLite stays the record). */
  url: z.string().max(PATH_MAX).default('mqtt://127.0.0.1:1883'),
  /** Start a built-in broker (aedes) on the URL's port when nothing listens there. For demos and single-box installs. */
  embedded_broker: z.boolean().default(false),
  topic_prefix: z.string().min(1).max(NAME_MAX).regex(/^[^#+]+$/, 'topic_prefix must not contain MQTT wildcards').default('inspectd'),
  client_id: z.string().min(1).max(NAME_MAX).optional(),
  username: z.string().max(NAME_MAX).optional(),
  /** File holding the password (or a systemd credential name, read from $CREDENTIALS_DIRECTORY). */
  password_file: z.string().max(PATH_MAX).optional(),
  ca: z.string().max(PATH_MAX).optional(),
  cert: z.string().max(PATH_MAX).optional(),
  key: z.string().max(PATH_MAX).optional(),
  /** Accept `<prefix>/<station>/set/...` commands (threshold, pause, resume, save_images). */
  commands: z.boolean().default(true),
  stats_interval_s: z.number().positive().default(10),
  /** Publish Home Assistant MQTT discovery configs (retained) for a reject counter, last score and status. */
  ha_discovery: z.boolean().default(false),
  ha_discovery_prefix: z.string().min(1).max(NAME_MAX).default('homeassistant'),
  sparkplug: SparkplugSchema.prefault({}),
}).superRefine((m, ctx) => {
  if (m.sparkplug.enabled && m.url === '') ctx.addIssue({ code: 'custom', path: ['sparkplug', 'enabled'], message: 'mqtt.sparkplug needs a broker: mqtt.url is empty (MQTT disabled)' });
});

export const HttpSchema = z.strictObject({
  /** The supervisor's dashboard, /metrics and /healthz. */
  enabled: z.boolean().default(true),
  /** Loopback by default: exposing it to the plant network is a deliberate choice (set a token then). */
  host: z.string().min(1).max(HOST_MAX).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  /** File holding a bearer token required for every request except /healthz (recommended off loopback). */
  token_file: z.string().max(PATH_MAX).optional(),
  /** /healthz fails when no frame was decided for this long. */
  stall_s: z.number().positive().default(10),
  /** Base of the image links in MQTT result/alert and the dashboard's JSON, as other machines reach it. Default http://<host>:<port> (the hostname when host is 0.0.0.0/::). */
  public_url: z.url({ protocol: /^https?$/, error: 'public_url must be an http:// or https:// URL' }).max(PATH_MAX).optional(),
});

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const rateBand = z
  .strictObject({ amber: z.number().min(0).max(100), red: z.number().min(0).max(100) })
  .refine((b) => b.red >= b.amber, { message: 'red must be at or above amber' });

/** The three 8-hour shifts most plants run; each ends where the next begins, the last one past midnight. */
export const DEFAULT_SHIFTS = [{ name: 'early', start: '06:00' }, { name: 'late', start: '14:00' }, { name: 'night', start: '22:00' }];
export const DEFAULT_BANDS = { window_min: 15, min_parts: 30, reject_rate_pct: 'auto' as const, error_rate_pct: { amber: 1, red: 5 } };

export const DashboardSchema = z.strictObject({
  /** Zone the shift times are in: 'local' (the system's) or an IANA name (Europe/Berlin). */
  timezone: z.string().min(1).max(NAME_MAX).refine(isKnownZone, { message: "unknown time zone: use 'local' or an IANA name such as Europe/Berlin" }).default('local'),
  shifts: z
    .array(z.strictObject({ name: z.string().min(1).max(32), start: z.string().regex(HHMM, 'start must be HH:MM, 24-hour (e.g. "06:00")') }))
    .min(1)
    .max(12)
    .superRefine((list, ctx) => {
      const seen = new Map<string, number>();
      list.forEach((s, i) => {
        for (const [k, v] of [['name', s.name], ['start', s.start]] as const) {
          if (seen.has(`${k}:${v}`)) ctx.addIssue({ code: 'custom', path: [i, k], message: `two shifts with ${k} ${JSON.stringify(v)}` });
          seen.set(`${k}:${v}`, i);
        }
      });
    })
    .default(DEFAULT_SHIFTS),
  /** When the status badge turns amber or red (rates over the last window_min minutes). */
  bands: z
    .strictObject({
      window_min: z.number().int().min(1).max(1440).default(DEFAULT_BANDS.window_min),
      /** Fewer parts than this in the window: the badge says so instead of judging a rate. */
      min_parts: z.number().int().min(1).max(1_000_000).default(DEFAULT_BANDS.min_parts),
      /** % of inspected parts rejected. auto: amber above the model card's expected false-reject rate (upper 95 % bound), red at twice that; 5 / 10 without one. */
      reject_rate_pct: z.union([z.literal('auto'), rateBand], { error: "expected 'auto' or {amber, red} in %" }).default('auto'),
      /** % of frames not inspected (errors + dropped frames). */
      error_rate_pct: rateBand.default(DEFAULT_BANDS.error_rate_pct),
    })
    .default(DEFAULT_BANDS),
});

export const ModbusSchema = z.strictObject({
  /** Serve ready/heartbeat/reject/result-valid and counters to a polling PLC over Modbus TCP. */
  enabled: z.boolean().default(false),
  host: z.string().min(1).max(HOST_MAX).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(5020),
  unit_id: z.number().int().min(0).max(255).default(1),
});

const OPCUA_POLICIES = ['Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'] as const;
export const OpcuaSchema = z
  .strictObject({
    /** Serve the PLC signals, the last result and counters as OPC UA variables (node ids: README "OPC UA server"). */
    enabled: z.boolean().default(false),
    /** Address the server binds to: loopback by default, the plant network is a deliberate choice. */
    host: z.string().min(1).max(HOST_MAX).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(4840),
    /** Host name in the endpoint URL and the server certificate; default: host, or this machine's name when host is 0.0.0.0 / ::. */
    hostname: z.string().min(1).max(HOST_MAX).optional(),
    security_modes: z.array(z.enum(['none', 'sign', 'sign_and_encrypt'])).min(1).max(3).default(['sign_and_encrypt']),
    /** For sign / sign_and_encrypt. The deprecated Basic128Rsa15 and Basic256 are not offered. */
    security_policies: z.array(z.enum(OPCUA_POLICIES)).min(1).max(3).default([...OPCUA_POLICIES]),
    /** Anonymous sessions (read and subscribe only). Off unless asked for. */
    anonymous: z.boolean().default(false),
    users: z
      .array(
        z.strictObject({
          username: z.string().min(1).max(NAME_MAX).regex(/^[\x21-\x7e]+$/, 'username must be printable ASCII without blanks'),
          /** File holding the password (or a systemd credential name, read from $CREDENTIALS_DIRECTORY). */
          password_file: z.string().min(1).max(PATH_MAX),
          /** operator: may also write Settings (threshold, paused); observer: read and subscribe only. */
          role: z.enum(['operator', 'observer']).default('operator'),
        }),
      )
      .max(32)
      .default([]),
    /** PEM server certificate and its key; default: a self-signed one made at first start in pki_dir/own. */
    certificate_file: z.string().min(1).max(PATH_MAX).optional(),
    private_key_file: z.string().min(1).max(PATH_MAX).optional(),
    /** node-opcua's PKI folders (own, trusted, rejected, issuers). Default: opcua-pki beside storage.database. */
    pki_dir: z.string().min(1).max(PATH_MAX).optional(),
    /** Trust every client application certificate on first contact (commissioning only); else copy it from pki_dir/server/rejected to trusted. */
    trust_unknown_clients: z.boolean().default(false),
  })
  .superRefine((o, ctx) => {
    if (o.enabled && !o.anonymous && o.users.length === 0) ctx.addIssue({ code: 'custom', path: ['users'], message: 'opcua is enabled but nobody can log in: add opcua.users (username, password_file) or set opcua.anonymous: true' });
    if (!o.certificate_file !== !o.private_key_file) ctx.addIssue({ code: 'custom', path: [o.certificate_file ? 'private_key_file' : 'certificate_file'], message: 'opcua.certificate_file and opcua.private_key_file go together: give both or neither' });
    const names = o.users.map((u) => u.username);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['users'], message: `opcua.users lists '${dup}' twice` });
  });
export const ReviewSchema = z.strictObject({
  /**
   * Every Nth passed part (by seq) is saved with its heatmap and offered in the review queue beside
   * the rejects, so people also check what the station lets through. 0 = rejects only. Sampled
   * images count against storage.images_quota_mb like rejects (at 30 fps, 1 in 1000 ≈ 2600 a day).
   */
  pass_every: z.number().int().min(0).max(1_000_000).default(1000),
});

// A section left out parses as an empty one (`prefault({})` runs `{}` through its schema): every
// default lives once, on its field, and cannot drift from a copy here (test/config/defaults.test.ts).
export const ConfigSchema = z.strictObject({
  version: z.literal(1).default(1),
  station: z.string().min(1).max(NAME_MAX).regex(/^[A-Za-z0-9_.-]+$/, 'station must be letters, digits, _ . - (it is part of MQTT topics)'),
  camera: CameraSchema,
  model: ModelSchema,
  gpio: GpioSchema.prefault({}),
  storage: StorageSchema.prefault({}),
  mqtt: MqttSchema.prefault({}),
  http: HttpSchema.prefault({}),
  dashboard: DashboardSchema.prefault({}),
  modbus: ModbusSchema.prefault({}),
  opcua: OpcuaSchema.prefault({}),
  review: ReviewSchema.prefault({}),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info') }).prefault({}),
});

export type Config = z.infer<typeof ConfigSchema>;
export type CameraConfig = Config['camera'];
export type GpioConfig = Config['gpio'];
export type OpcuaConfig = Config['opcua'];
export type SparkplugConfig = Config['mqtt']['sparkplug'];
export type DashboardConfig = Config['dashboard'];
