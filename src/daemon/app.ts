import { hostname } from 'node:os';
import { InspectdError, settleWithin, type RootLogger, type TimerHandle } from '../platform/index.js';
import type { Config } from '../config/index.js';
import { readSecret } from '../config/index.js';
import { mqttClientId } from '../config/index.js';
import { resolveThreshold } from '../decide/index.js';
import { EventBus } from '../events/index.js';
import type { InspectionResult } from '../domain/index.js';
import { preprocessImage } from '../preprocess/index.js';
import { outboxTopics } from '../publish/index.js';
import { labelTopics } from '../publish/index.js';
import { isPassSample } from '../store/index.js';
import type { Publisher } from '../publish/index.js';
import type { InspectionLog, Store } from '../store/index.js';
import type { Inspector } from '../model/index.js';
import type { CaptureSource } from '../capture/index.js';
import type { Frame } from '../domain/index.js';
import type { PlcSignals } from '../actuate/index.js';
import { createCommandHandler } from './commands.js';
import type { Controls } from '../domain/index.js';
import type { EmbeddedBroker } from './embeddedBroker.js';
import { startPipeline, type Inspected } from './pipeline.js';
import type { SdNotifier } from './sdNotify.js';
import type { Ports } from './ports.js';
import { RunningStats } from './stats.js';
import { statsLine } from './statsLine.js';
import { createWatchdog, watchdogIntervalMs, type Watchdog } from './watchdog.js';
import { pausable } from './pausable.js';
import { heldFaults } from './heldFaults.js';
import { restoreSettings } from './settings.js';
import type { OutputLine } from '../actuate/index.js';
import { readOpt, tapLevels } from './adapterTaps.js';
import { startPlantAdapters } from './plantAdapters.js';
import type { LatestFrame } from '../web/index.js';
import { ImageLinks } from '../web/index.js';

export type { App } from './appTypes.js';
import type { App } from './appTypes.js';
import type { Fault } from '../domain/index.js';

/**
 * The composition root: the one place that picks adapters. Native modules (onnxruntime in the
 * workers, better-sqlite3, mqtt, GPIO tools) are imported here by dynamic import() so commands
 * that do not need them (validate-config on a laptop) never load them.
 */
export function createApp(config: Readonly<Config>, ports: Ports, log: RootLogger): App {
  const { clock, env } = ports;
  const station = config.station;
  const now = () => clock.now();
  const stats = new RunningStats(station);
  const bus = new EventBus((sink, event, err) => log.error({ sink, event, err }, 'sink failed (isolated)'));
  const steps: Array<{ name: string; close: () => Promise<void> | void }> = [];
  const abort = new AbortController();
  // What start() has opened so far, each part set once it works: stats, fault and stop read it,
  // and any of them may run while start() is still half way.
  const opened: { notify?: SdNotifier; inspector?: Inspector; store?: Store; publisher?: Publisher; plc?: PlcSignals; watchdog?: Watchdog; source?: CaptureSource; statsTimer?: TimerHandle } = {};
  const settle = { resolve: () => {}, reject: (_e: Error) => {} };
  const done = new Promise<void>((resolve, reject) => Object.assign(settle, { resolve, reject }));
  done.catch(() => {}); // observed by the caller; avoid an unhandled rejection before it awaits
  let stopping: Promise<void> | null = null;
  let pipelineSettled: Promise<void> = Promise.resolve();
  let startSettled: Promise<void> = Promise.resolve();
  // A stop during start-up: start() returns at its next stage boundary, stop() then closes what it opened.
  const halted = () => abort.signal.aborted;

  const levels: Record<OutputLine, 0 | 1> = { reject: 0, ready: 0, heartbeat: 0, result_valid: 0 };
  let latest: LatestFrame | null = null;
  let lastDecisionAt: number | null = null;
  let dropFrame: (f: Frame) => void = () => {};
  let announceHa: () => void = () => {};
  let pausedSkipped = 0; // frames taken from the camera and discarded while paused
  const controls: Controls = { threshold: 0, saveImages: config.storage.save_images, paused: false };
  const clientId = mqttClientId(config, hostname());
  const passSample = (seq: number) => isPassSample(seq, config.review.pass_every); // saved with their heatmap, for the review queue
  const imageLinks = new ImageLinks(); // MQTT payloads link images once the dashboard listens

  function start(): Promise<void> {
    const p = open();
    startSettled = p.then(() => {}, () => {});
    return p;
  }

  async function open(): Promise<void> {
    if (halted()) return;
    const notify = (opened.notify = ports.createNotifier(log.child({ stage: 'systemd' })));
    steps.push({ name: 'sd_notify', close: () => notify.close() });
    void notify.status('starting: loading model');

    if (config.mqtt.url && config.mqtt.embedded_broker) {
      const broker: EmbeddedBroker | null = await ports.startEmbeddedBroker(config.mqtt.url);
      if (broker) {
        log.warn({ port: broker.port }, 'no MQTT broker on the configured port: started the embedded one (loopback only, in-memory)');
        steps.push({ name: 'embedded broker', close: () => broker.close() });
      }
    }

    const inspector = (opened.inspector = await ports.openInspector(log));
    steps.push({ name: 'model', close: () => inspector.close() });
    if (halted()) return;
    const card = inspector.card;
    const configThreshold = resolveThreshold(config.model.threshold, card);
    log.info({ model: config.model.path, card: card.name, variant: card.variant, score: card.score, threshold: configThreshold, threshold_source: config.model.threshold === 'auto' ? card.thresholds.good_only.rule : 'config' }, 'model warmed up');

    const storeFaults = heldFaults((f) => fault(f));
    const store = (opened.store = await ports.openStore({
      database: config.storage.database, imagesDir: config.storage.images, retentionDays: config.storage.retention_days,
      retentionMaxRows: config.storage.max_rows, imagesQuotaMb: config.storage.images_quota_mb, topicsFor: config.mqtt.url ? outboxTopics(config.mqtt.topic_prefix, imageLinks.url) : undefined,
      labelTopicsFor: config.mqtt.url ? labelTopics(config.mqtt.topic_prefix) : undefined,
      log: log.child({ stage: 'store' }), onFault: storeFaults.raise,
    }));
    steps.push({ name: 'store', close: () => store.close() });
    if (halted()) return;
    const settings = restoreSettings(controls, {
      store, station, log: log.child({ stage: 'settings' }), base: { save_images: config.storage.save_images,
        threshold: { value: configThreshold, config: config.model.threshold, reason: config.model.threshold === 'auto' ? 'model card good-only threshold' : 'config model.threshold' } },
    });

    const commandHandler = createCommandHandler({ controls, store, station, log: log.child({ stage: 'commands' }), publishState: (n, p) => opened.publisher?.publishState(n, p), trigger: () => cameraOpen().softwareTrigger(), setReady: (r) => opened.plc?.setReady(r), settings });
    if (config.mqtt.url) {
      const publisher = (opened.publisher = await ports.openPublisher({
        url: config.mqtt.url, clientId, station, topicPrefix: config.mqtt.topic_prefix,
        username: config.mqtt.username, password: readSecret(config.mqtt.password_file, env),
        ca: readOpt(config.mqtt.ca), cert: readOpt(config.mqtt.cert), key: readOpt(config.mqtt.key),
        store, log: log.child({ stage: 'mqtt' }), commands: config.mqtt.commands, clock, wallNow: ports.wallNow,
        onCommand: commandHandler, onFault: (f) => fault(f),
        // Home Assistant announces 'online' after it restarts: send discovery again then.
        watch: config.mqtt.ha_discovery ? new Map([[`${config.mqtt.ha_discovery_prefix}/status`, (p: string) => p === 'online' && announceHa()]]) : undefined,
      }));
      // Closed before the store: its last act is draining the outbox the store holds.
      steps.push({ name: 'mqtt', close: () => publisher.close() });
      // Runs before the publisher closes (reverse order), so its drain sees every last row.
      steps.push({ name: 'store drain', close: () => store.drain() });
      if (config.mqtt.ha_discovery) {
        const { haDiscoveryMessages } = await import('../ha/index.js');
        const msgs = haDiscoveryMessages({ topicPrefix: config.mqtt.topic_prefix, station, discoveryPrefix: config.mqtt.ha_discovery_prefix, model: card.name });
        announceHa = () => { for (const m of msgs) publisher.publishRetained(m.topic, m.payload); };
        announceHa();
      }
      settings.publishAll((n, p) => publisher.publishState(n, p));
      bus.on('stats', 'mqtt', (s) => publisher.publishStats(s));
      bus.on('fault', 'mqtt', (f) => publisher.publishFault(f));
    }

    const { createPlcSignals } = await import('../actuate/index.js');
    const gpioLog = log.child({ stage: 'gpio' });
    const onFault = (f: Fault) => fault(f);
    const rawGpio = await ports.createGpio({ log: gpioLog, onFault });
    // A tap on the port keeps every line's level for Modbus and the dashboard, whatever the backend.
    const gpio = tapLevels(rawGpio, levels, (line, value) => bus.emit('line', { line, value, ts: ports.wallNow() }));
    // plc is set only once its lines are open: a stop signal during start() must not call
    // setReady on signals that have not started (GPIO_STATE, seen as a flaky SIGHUP test).
    const signals = createPlcSignals({
      gpio, travelMs: config.gpio.travel_ms, pulseMs: config.gpio.pulse_ms, strobeMs: config.gpio.strobe_ms, decisionMarginMs: config.gpio.decision_margin_ms,
      stallMs: config.gpio.stall_ms, policy: { onLate: config.gpio.on_late, onError: config.gpio.on_error }, log: gpioLog, clock,
    });
    await signals.start();
    const plc = (opened.plc = signals);
    steps.push({ name: 'gpio', close: () => signals.close() });
    if (halted()) return;

    await startPlantAdapters({
      config, env, bus, levels, plcStats: () => plc.stats(), controls, command: commandHandler, store, mqttClientId: clientId, log,
      onClose: (name, close) => steps.push({ name, close }),
    });
    if (halted()) return;

    const wdInterval = watchdogIntervalMs(env.WATCHDOG_USEC, env.WATCHDOG_PID, ports.pid);
    const watchdog = wdInterval ? createWatchdog({ notify, intervalMs: wdInterval, stallMs: Math.max(config.gpio.stall_ms, config.camera.stall_ms), log: log.child({ stage: 'watchdog' }) }) : undefined;
    if (watchdog) {
      opened.watchdog = watchdog;
      watchdog.start();
      steps.push({ name: 'watchdog', close: () => watchdog.stop() });
    }

    const source = (opened.source = await ports.createFrameSource({
      log: log.child({ stage: 'capture' }), onFault, clock, wallNow: ports.wallNow,
      onCameraFrame: () => { plc.progress(); watchdog?.cameraFrame(); },
      onDropped: (f) => dropFrame(f),
    }));
    steps.push({ name: 'camera', close: () => source.stop() });

    if (config.http.enabled) {
      const { attachWeb } = await import('../web/index.js');
      const web = await attachWeb({
        http: config.http, review: config.review, dashboard: config.dashboard, station, card, bus, store, imagesDir: config.storage.images, controls, log: log.child({ stage: 'http' }),
        command: commandHandler, stats: () => appStats(), latest: () => latest, lastDecisionAt: () => lastDecisionAt,
        token: config.http.token_file ? readSecret(config.http.token_file, env) ?? null : null,
      });
      imageLinks.base = web.baseUrl;
      log.info({ url: web.url, links: web.baseUrl }, 'dashboard listening');
      steps.push({ name: 'http', close: () => web.close() });
    }

    if (halted()) return;
    storeFaults.release();
    const statsTimer = (opened.statsTimer = clock.setInterval(() => emitStats(), config.mqtt.stats_interval_s * 1000));
    (statsTimer as { unref?: () => void }).unref?.(); // a stats line must not keep a finished run alive

    const spec = { ...inspector.card.preprocess, roi: config.camera.roi };
    const pipeline = startPipeline(pausable(source.frames(abort.signal), () => controls.paused, () => pausedSkipped++), {
      station, spec, preprocess: preprocessImage, inspector, plc, now,
      getThreshold: () => controls.threshold, scoreRule: inspector.card.score.rule,
      // Heatmaps feed saved evidence and the dashboard; a later save_images command without either gets plain frames.
      wantMaps: controls.saveImages !== 'none' || config.http.enabled, inflight: config.model.workers * 2 + 1, // two frames per worker (OpenOptions.perWorker) and the next one
      mapAlways: (seq) => controls.saveImages !== 'none' && passSample(seq),
      onInspected: recorder(store, watchdog),
    });
    dropFrame = pipeline.dropped; // bound before the event loop turns: no drop can come earlier
    plc.setReady(true);
    void notify.ready();
    void notify.status(`inspecting: ${config.camera.source} → ${card.name}`);
    log.info({ station, camera: config.camera.source, path: config.camera.path, gpio: config.gpio.backend, mqtt: config.mqtt.url || null }, 'inspectd ready');
    pipelineSettled = pipeline.done.then(() => {}, () => {});
    pipeline.done.then(() => settle.resolve(), (err: Error) => settle.reject(err));
  }

  /** The pipeline's sink for each decided frame: stats, the watchdog, the record, the bus. */
  const recorder = (store: InspectionLog, watchdog: Watchdog | undefined) => (x: Inspected): void => {
    const r: InspectionResult = x.result;
    lastDecisionAt = now();
    if (x.pre) latest = { result: r, pixels: x.pre.pixels, width: x.pre.tensor.width, height: x.pre.tensor.height, channels: x.pre.tensor.channels, map: x.map ?? null };
    stats.add(r);
    if (r.verdict === 'error') watchdog?.failed();
    else watchdog?.progress();
    const save = controls.saveImages === 'all' || (controls.saveImages === 'rejects' && (r.verdict !== 'pass' || passSample(r.seq)));
    if (save && x.pre) {
      const p = x.pre;
      store.record(r, { pixels: p.pixels, width: p.tensor.width, height: p.tensor.height, channels: p.tensor.channels, map: x.map ?? null, seq: r.seq, ts: r.ts, verdict: r.verdict });
    } else store.record(r);
    if (r.verdict === 'error') log.warn({ seq: r.seq, source: r.source, error: r.error }, 'frame could not be inspected');
    else log.debug({ seq: r.seq, score: r.score, verdict: r.verdict, latency_ms: r.latency_ms }, 'inspected');
    bus.emit('inspected', r);
  };

  // MQTT and the plant adapters take commands before the camera opens.
  function cameraOpen(): CaptureSource {
    if (!opened.source) throw new InspectdError('CAMERA_NOT_TRIGGERED', 'trigger: the camera is not open yet (the daemon is starting)');
    return opened.source;
  }

  function emitStats(final = false): void {
    const { source, store, publisher, plc, inspector } = opened;
    const snap = stats.snapshot(source?.stats().dropped ?? 0);
    bus.emit('stats', snap);
    log.info(statsLine(snap, { camera: source?.stats(), store: store?.stats(), mqtt: publisher?.stats(), plc: plc?.stats(), model: inspector?.stats() }, final), 'stats');
  }

  function fault(f: Fault): void {
    log[f.fatal ? 'error' : 'warn']({ code: f.code }, f.message);
    bus.emit('fault', { ...f, ts: ports.wallNow() });
    if (f.fatal) {
      // The PLC must stop trusting us at once; the watchdog stops too since nothing progresses.
      opened.plc?.setReady(false);
      void opened.notify?.status(`fault: ${f.code}`);
      // Fatal means fatal: end the run (exit 1) so systemd restarts us, instead of carrying on
      // with a dead camera or into GPIO lines nobody holds.
      settle.reject(new InspectdError(f.code, f.message));
    }
  }

  async function stop(reason = 'stop requested'): Promise<void> {
    if (stopping) return stopping;
    stopping = (async () => {
      log.info({ reason }, 'stopping');
      void opened.notify?.stopping();
      opened.plc?.setReady(false);
      abort.abort();
      await startSettled;
      if (opened.statsTimer !== undefined) clock.clearInterval(opened.statsTimer);
      // Let frames already in flight get their decision (and their rows) before sinks close.
      try {
        await opened.source?.stop();
      } catch (err) {
        log.error({ err }, 'camera stop failed (continuing)');
      }
      await settleWithin(pipelineSettled, 3000, clock);
      if (opened.inspector) emitStats(true);
      for (const step of steps.reverse()) {
        try {
          await step.close();
        } catch (err) {
          log.error({ step: step.name, err }, 'error while stopping (continuing)');
        }
      }
      log.info({ inspected: stats.inspected, rejected: stats.rejected, errors: stats.errors }, 'stopped');
    })();
    return stopping;
  }

  const appStats = () => {
    const { source, store, publisher, plc, inspector } = opened;
    return { ...stats.peek(source?.stats().dropped ?? 0), controls: { ...controls }, paused_skipped: pausedSkipped, store: store?.stats(), mqtt: publisher?.stats(), plc: plc?.stats(), model: inspector?.stats(), camera: source?.stats() };
  };

  return { start, stop, done, stats: appStats };
}
