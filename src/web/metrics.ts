import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { InspectionResult } from '../domain/index.js';
import type { ModelCard } from '../model/index.js';

/**
 * /metrics in Prometheus text format, on a registry of our own (never prom-client's global one:
 * tests and a future second station in one process must not share counters). Totals and gauges
 * are read from the app's own counters at scrape time (collect), so the dashboard, the MQTT
 * stats line and Prometheus can never disagree; only the latency histograms are fed per frame.
 */

export interface MetricsDeps {
  station: string;
  card: ModelCard;
  stats: () => Record<string, unknown>;
  sinkErrors: () => ReadonlyMap<string, number>;
  sseClients: () => number;
  /** Add Node process metrics (RSS, CPU, event-loop lag, GC). Default true. */
  processMetrics?: boolean;
}

export interface Metrics {
  registry: Registry;
  observe(r: InspectionResult): void;
  render(): Promise<string>;
  contentType: string;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2];

/** A numeric field at a dotted path of the stats object; undefined when absent or not a number. */
export function statNum(stats: Record<string, unknown>, path: string): number | undefined {
  let v: unknown = stats;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function createMetrics(d: MetricsDeps): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ station: d.station });
  if (d.processMetrics !== false) collectDefaultMetrics({ register: registry });
  let snap: Record<string, unknown> = {};
  let lastScore: number | null = null;
  // One ctx.stats() per scrape, taken by render() and shared by every collect().
  const read = (path: string) => statNum(snap, path);

  const total = (name: string, help: string, path: string) =>
    new Counter({
      name, help, registers: [registry],
      collect() {
        const v = read(path);
        this.reset();
        if (v !== undefined && v > 0) this.inc(v);
      },
    });
  const gauge = (name: string, help: string, value: () => number | undefined) =>
    new Gauge({
      name, help, registers: [registry],
      collect() {
        // NaN is Prometheus' "no value" (e.g. no scored frame yet); 0 would read as a real reading.
        this.set(value() ?? NaN);
      },
    });

  total('inspectd_frames_total', 'Frames inspected (pass, reject or error)', 'inspected');
  total('inspectd_rejects_total', 'Parts rejected by the score threshold', 'rejected');
  total('inspectd_errors_total', 'Frames that could not be inspected (verdict error)', 'errors');
  total('inspectd_dropped_frames_total', 'Frames dropped by the full capture queue', 'dropped');
  total('inspectd_reject_pulses_merged_total', 'Reject requests folded into an overlapping reject pulse', 'plc.merged');
  total('inspectd_reject_pulses_dropped_total', 'Scheduled reject pulses cancelled at stop (drain bound passed)', 'plc.dropped');
  gauge('inspectd_fps', 'Frames decided per second over the current stats interval', () => read('fps'));
  gauge('inspectd_threshold', 'Current reject threshold (score below it = reject)', () => read('controls.threshold'));
  gauge('inspectd_last_score', 'Score of the last frame that could be scored', () => lastScore ?? undefined);
  gauge('inspectd_paused', '1 while an operator has paused inspection', () => read('controls.paused'));
  gauge('inspectd_ready', '1 while the station is inspecting and the PLC ready line is up', () => {
    const ready = read('plc.ready');
    return ready === undefined ? undefined : ready && !read('controls.paused') ? 1 : 0;
  });
  gauge('inspectd_mqtt_enabled', '1 when an MQTT broker is configured', () => (snap.mqtt ? 1 : 0));
  gauge('inspectd_mqtt_connected', '1 while connected to the MQTT broker', () => read('mqtt.connected') ?? 0);
  gauge('inspectd_store_queue_rows', 'Inspection rows waiting in memory for their SQLite transaction', () => read('store.queued'));
  total('inspectd_store_write_failures_total', 'Row transactions that failed (disk full, I/O, corruption) and were kept for a retry', 'store.write_failures');
  total('inspectd_store_rows_lost_total', 'Inspection rows that never reached SQLite (queue overflow, bad row, unwritten at stop)', 'store.dropped');
  gauge('inspectd_store_failing', '1 while row writes keep failing (the record falls behind)', () => read('store.failing'));
  gauge('inspectd_outbox_pending', 'MQTT messages in the SQLite outbox not yet acknowledged by the broker', () => read('store.outbox_pending'));
  gauge('inspectd_images_bytes', 'Size of the saved-images folder', () => read('store.images_bytes'));
  gauge('inspectd_dashboard_clients', 'Open dashboard live streams', () => d.sseClients());

  new Gauge({
    name: 'inspectd_model_info', help: 'The loaded model (value 1)', labelNames: ['name', 'variant', 'score_rule'] as const, registers: [registry],
  }).set({ name: d.card.name, variant: d.card.variant, score_rule: d.card.score.rule }, 1);

  new Counter({
    name: 'inspectd_sink_errors_total', help: 'Errors isolated in event sinks (store, mqtt, dashboard)', labelNames: ['sink'] as const, registers: [registry],
    collect() {
      this.reset();
      for (const [sink, n] of d.sinkErrors()) this.inc({ sink }, n);
    },
  });

  const stage = new Histogram({
    name: 'inspectd_stage_duration_seconds', help: 'Time per pipeline stage per frame', labelNames: ['stage'] as const, buckets: LATENCY_BUCKETS, registers: [registry],
  });
  const decision = new Histogram({
    name: 'inspectd_capture_to_decision_seconds', help: 'Capture time to decision, per frame', buckets: LATENCY_BUCKETS, registers: [registry],
  });

  return {
    registry,
    contentType: registry.contentType,
    observe(r) {
      if (r.score !== null) lastScore = r.score;
      if (Number.isFinite(r.latency_ms)) decision.observe(r.latency_ms / 1000);
      // An error frame's stage times stop where it failed; they would skew the stage histograms.
      if (r.verdict === 'error') return;
      stage.observe({ stage: 'preprocess' }, r.stages.preprocess_ms / 1000);
      stage.observe({ stage: 'infer' }, r.stages.infer_ms / 1000);
      stage.observe({ stage: 'score' }, r.stages.score_ms / 1000);
    },
    render() {
      snap = d.stats();
      return registry.metrics();
    },
  };
}
