import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApp, type App, type Ports } from '../../src/daemon/index.js';
import { createSdNotify } from '../../src/daemon/sdNotify.js';
import type { CaptureSource } from '../../src/capture/index.js';
import { parseConfig } from '../../src/config/index.js';
import type { Frame, InspectionResult } from '../../src/domain/index.js';
import { readCard, type Inspector } from '../../src/model/index.js';
import type { InspectOutcome, InspectorStats } from '../../src/model/types.js';
import { InspectdError, silentLogger } from '../../src/platform/index.js';
import type { Publisher, PublisherOptions } from '../../src/publish/index.js';
import { openStore } from '../../src/store/index.js';
import { FakeClock } from '../fakes/clock.js';
import { StrictGpio } from '../fakes/gpio.js';

/**
 * The real app (createApp: pipeline, decide, PLC signals, store) run in-process against a
 * scripted camera, a fake inspector, the strict GPIO fake and a fake clock: time moves only in
 * `runUntil`, so a test asserts the reject line's exact edges.
 *
 * A shot's bytes say what the fake inspector makes of it: 'good' scores 0.9, 'defect' 0.1 (the
 * threshold is 0.5), 'broken' fails to decode (FRAME_DECODE), 'slow:<ms>:<good|defect>' answers
 * after that many fake milliseconds.
 */
export interface Shot {
  /** Fake-clock time the camera captures it. */
  at: number;
  data: string;
}

export interface HarnessOptions {
  shots: Shot[];
  /** Lines added to the gpio: section (travel_ms, pulse_ms, on_late …). */
  gpio: string;
  /** Called as start-up opens the GPIO lines, before they are open (e.g. a stop signal then). */
  onGpioOpen?: (app: App) => void;
  /** With it, mqtt.url is set and the app gets this publisher (it is handed the app's command handler). */
  publisher?: (opts: PublisherOptions) => Publisher;
}

const CARD = readCard(resolve('models/casting-ae-fp32.onnx')).card;

export interface Harness {
  app: App;
  clock: FakeClock;
  gpio: StrictGpio;
  /** Every result the store was asked to record, in order. */
  results: InspectionResult[];
  /** Advance the fake clock 1 ms at a time to `t`, letting promises settle between steps. */
  runUntil(t: number): Promise<void>;
  /** stop() while the fake clock keeps moving (the PLC drain waits on it); resolves with the time it finished. */
  stop(): Promise<number>;
  close(): void;
}

const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

export async function startHarness(o: HarnessOptions): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'inspectd-harness-'));
  mkdirSync(join(dir, 'frames'));
  mkdirSync(join(dir, 'models'));
  writeFileSync(join(dir, 'models', 'm.onnx'), 'not read: the inspector is a fake');
  const config = parseConfig([
    'station: s1',
    'camera: { source: replay, path: frames }',
    'model: { path: models/m.onnx, threshold: 0.5 }',
    `gpio: { backend: sim, ${o.gpio} }`,
    'storage: { database: db/inspectd.db, images: images, save_images: none }',
    'http: { enabled: false }',
    `mqtt: { url: '${o.publisher ? 'mqtt://127.0.0.1:1883' : ''}' }`,
  ].join('\n'), join(dir, 'config.yaml'));
  const clock = new FakeClock(1000);
  const gpio = new StrictGpio(() => clock.now());
  if (o.onGpioOpen) {
    const open = gpio.open.bind(gpio);
    gpio.open = async () => {
      o.onGpioOpen!(app);
      await settle();
      return open();
    };
  }
  const results: InspectionResult[] = [];
  const camera = scriptedCamera(clock, o.shots);
  const ports: Ports = {
    clock,
    wallNow: () => 1_700_000_000_000 + clock.now(),
    env: {},
    pid: 1,
    openInspector: async () => fakeInspector(clock),
    async openStore(opts) {
      const store = await openStore(opts);
      const record = store.record.bind(store);
      store.record = (r, img) => (results.push({ ...r }), record(r, img));
      return store;
    },
    openPublisher: async (opts) => (o.publisher ? o.publisher(opts) : Promise.reject(new Error('harness: no MQTT'))),
    createGpio: async () => gpio,
    createFrameSource: async (d) => ((camera.onCameraFrame = d.onCameraFrame), camera),
    createNotifier: (log) => createSdNotify({ socket: null, log }), // no socket: a no-op, as under a plain shell
    startEmbeddedBroker: async () => null,
  };
  const app = createApp(config, ports, silentLogger);
  await app.start();
  const runUntil = async (t: number) => {
    await settle();
    while (clock.now() < t) {
      clock.advance(1);
      await settle();
    }
  };
  return {
    app, clock, gpio, results, runUntil,
    async stop() {
      let done = false;
      const stopped = app.stop('harness').finally(() => (done = true)); // a failed stop fails the test instead of spinning
      while (!done) {
        clock.advance(1);
        await settle();
      }
      await stopped;
      return clock.now();
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A live camera that captures each shot at its fake-clock time, then waits for stop(). */
function scriptedCamera(clock: FakeClock, shots: Shot[]): CaptureSource & { onCameraFrame?: (f: Frame) => void } {
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  let captured = 0;
  const cam = {
    kind: 'scripted',
    triggered: false,
    onCameraFrame: undefined as ((f: Frame) => void) | undefined,
    async *frames(signal: AbortSignal): AsyncIterable<Frame> {
      for (const [i, s] of shots.entries()) {
        const due = new Promise<void>((r) => clock.setTimeout(r, s.at - clock.now()));
        await Promise.race([due, stopped]);
        if (signal.aborted || clock.now() < s.at) return;
        const frame: Frame = { seq: i + 1, capturedAt: clock.now(), wallTs: 1_700_000_000_000 + clock.now(), data: Buffer.from(s.data), source: `shot-${i + 1}` };
        captured++;
        cam.onCameraFrame?.(frame);
        yield frame;
      }
      await stopped;
    },
    stats: () => ({ captured, dropped: 0, restarts: 0 }),
    softwareTrigger: () => { throw new InspectdError('CAMERA_NOT_TRIGGERED', 'scripted camera is free-running'); },
    stop: async () => stop(),
  };
  return cam;
}

function fakeInspector(clock: FakeClock): Inspector {
  const { width, height, channels } = CARD.preprocess;
  const stats: InspectorStats = { workers: 1, ready: 1, busy: 0, queued: 0, completed: 0, failed: 0, timeouts: 0, crashes: 0, restarts: 0, dead: 0 };
  const outcome = (kind: string): InspectOutcome => {
    if (kind === 'broken') throw new InspectdError('FRAME_DECODE', 'scripted: not an image');
    const score = kind === 'defect' ? 0.1 : 0.9;
    return { score, ssimMean: null, inferMs: 1, scoreMs: 0, frame: { pixels: new Uint8Array(width * height * channels), preprocessMs: 0, sourceWidth: width, sourceHeight: height } };
  };
  return {
    card: CARD,
    modelPath: 'models/m.onnx',
    async inspect() {
      throw new Error('harness: the pipeline uses inspectEncoded');
    },
    async inspectEncoded(bytes) {
      const text = Buffer.from(bytes).toString();
      const [kind, ms, after] = text.split(':');
      if (kind === 'slow') {
        await new Promise((r) => clock.setTimeout(r, Number(ms)));
        return outcome(after);
      }
      return outcome(kind);
    },
    stats: () => stats,
    close: async () => {},
  };
}
