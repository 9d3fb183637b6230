import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InspectdError } from '../platform/index.js';
import type { Tensor } from '../preprocess/index.js';
import type { ModelCard } from './card.js';
import { loadModel } from './load.js';
import type { InspectRequest, WireError, WorkerInit, WorkerReply } from './protocol.js';
import type { InspectOptions, InspectOutcome, Inspector, InspectorStats, OpenOptions } from './types.js';

export type { InspectOptions, InspectOutcome, Inspector, InspectorStats, OpenOptions } from './types.js';

/**
 * The worker script. Normally the compiled sibling `./worker.js`. Under vitest this module runs
 * from src/model/client.ts, but a worker thread is a plain Node isolate without vitest's
 * TypeScript transform, so it cannot load worker.ts: it loads the compiled dist/model/worker.js
 * instead (src/ → dist/, .ts → .js). Hence `npm test` builds before running vitest.
 */
export function workerScriptUrl(here: string = import.meta.url): URL {
  if (here.endsWith('.ts')) return new URL(here.replace(/\/src\/model\/[^/]+\.ts$/, '/dist/model/worker.js'));
  return new URL('./worker.js', here);
}

interface Job {
  id: number;
  /** A normalised tensor, or an encoded frame for the worker to decode. */
  data: Float32Array | Uint8Array;
  opts: InspectOptions;
  resolve: (o: InspectOutcome) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  index: number;
  worker: Worker | null;
  state: 'starting' | 'ready' | 'dead';
  /**
   * Requests this worker holds, oldest first (at most `perWorker`): the next frame already waits
   * in the worker's port when it answers one, so its session never idles while this thread is busy.
   */
  jobs: Job[];
  /** Pending start deadline, cleared by close() so a restart in progress cannot outlive the pool. */
  startTimer?: NodeJS.Timeout;
  /** Why the slot died (reported by MODEL_WORKER_FAILED). */
  lastError?: InspectdError;
}

/** Whether `a` is the whole of a plain ArrayBuffer, so transferring it detaches nothing else. */
const ownsBuffer = (a: ArrayBufferView): boolean => a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;

const fromWire = (e: WireError): InspectdError => new InspectdError(e.code, e.message, e.context ?? {});

/** Open a model (card, sha256, shapes checked) behind a pool of warmed-up worker threads. */
export async function openInspector(modelPath: string, opts: OpenOptions = {}): Promise<Inspector> {
  const loaded = await loadModel(modelPath, { checkSession: false });
  const script = workerScriptUrl();
  if (!existsSync(fileURLToPath(script))) {
    throw new InspectdError('MODEL_WORKER_MISSING', `worker script ${fileURLToPath(script)} not found (build first: npx tsc -p .)`, { script: script.href });
  }
  const pool = new Pool(loaded.card, modelPath, script, {
    workers: Math.max(1, opts.workers ?? 1),
    perWorker: Math.max(1, opts.perWorker ?? 2),
    init: { onnxPath: modelPath, card: loaded.card, threads: Math.max(1, opts.threadsPerWorker ?? 1), warmup: opts.warmup ?? 3, testHooks: opts.testHooks ?? false },
    timeoutMs: opts.timeoutMs ?? 2000,
    startTimeoutMs: opts.startTimeoutMs ?? 30_000,
    onRestart: opts.onRestart,
  });
  await pool.start();
  return pool;
}

class Pool implements Inspector {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closing: Promise<void> | null = null;
  private readonly counts = { completed: 0, failed: 0, timeouts: 0, crashes: 0, restarts: 0 };

  constructor(
    readonly card: ModelCard,
    readonly modelPath: string,
    private readonly script: URL,
    private readonly cfg: { workers: number; perWorker: number; init: WorkerInit; timeoutMs: number; startTimeoutMs: number; onRestart?: OpenOptions['onRestart'] },
  ) {
    for (let i = 0; i < cfg.workers; i++) this.slots.push({ index: i, worker: null, state: 'starting', jobs: [] });
  }

  async start(): Promise<void> {
    const started = await Promise.allSettled(this.slots.map((s) => this.spawn(s)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await this.close();
      throw failed.reason;
    }
  }

  /** Start a worker in `slot` and wait for its warm-up; on failure the slot is dead. */
  private spawn(slot: Slot): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const worker = new Worker(this.script, { workerData: this.cfg.init });
      slot.worker = worker;
      slot.state = 'starting';
      let settled = false;
      const fail = (err: InspectdError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        slot.state = 'dead';
        slot.lastError = err;
        this.abandon(slot);
        reject(err);
        this.onSlotLost();
      };
      const timer = setTimeout(() => fail(new InspectdError('MODEL_START_TIMEOUT', `worker ${slot.index} did not open ${this.modelPath} and warm up within ${this.cfg.startTimeoutMs} ms`, { worker: slot.index })), this.cfg.startTimeoutMs);
      slot.startTimer = timer;
      worker.on('message', (msg: WorkerReply) => {
        if (slot.worker !== worker) return;
        if (msg.type === 'ready' && !settled) {
          settled = true;
          clearTimeout(timer);
          slot.state = 'ready';
          resolve();
          this.dispatch();
        } else if (msg.type === 'fatal') {
          fail(fromWire(msg.error));
        } else if (msg.type === 'result' || msg.type === 'failed') {
          this.onReply(slot, msg);
        }
      });
      const lost = (why: string, cause?: unknown) => {
        if (slot.worker !== worker) return; // already replaced or closed
        const err = new InspectdError('MODEL_WORKER_CRASHED', `worker ${slot.index} ${why}`, { worker: slot.index }, { cause });
        if (!settled) fail(err);
        else this.replace(slot, 'crash', err);
      };
      worker.on('error', (err) => lost(`crashed: ${err.message}`, err));
      worker.on('exit', (code) => lost(`exited with code ${code}`));
    });
  }

  inspect(tensor: Tensor, opts: InspectOptions = {}): Promise<InspectOutcome> {
    if (this.closing) return Promise.reject(new InspectdError('MODEL_CLOSED', 'inspector is closed'));
    const { width, height, channels } = this.card.preprocess;
    if (tensor.width !== width || tensor.height !== height || tensor.channels !== channels || tensor.data.length !== width * height * channels) {
      return Promise.reject(new InspectdError('MODEL_INPUT_SHAPE', `tensor ${tensor.channels}×${tensor.height}×${tensor.width} (${tensor.data.length} values) does not fit the model's ${channels}×${height}×${width}`, { width: tensor.width, height: tensor.height, channels: tensor.channels }));
    }
    if (opts.testHook && !this.cfg.init.testHooks) return Promise.reject(new InspectdError('MODEL_TEST_HOOK', 'testHook needs openInspector({ testHooks: true })'));
    if (this.slots.every((s) => s.state === 'dead')) return Promise.reject(this.allDead());
    // Transfer only a buffer the tensor owns entirely; anything else would detach memory others use.
    return this.enqueue(ownsBuffer(tensor.data) ? tensor.data : tensor.data.slice(), opts);
  }

  inspectEncoded(bytes: Uint8Array, opts: InspectOptions = {}): Promise<InspectOutcome> {
    if (this.closing) return Promise.reject(new InspectdError('MODEL_CLOSED', 'inspector is closed'));
    if (opts.testHook && !this.cfg.init.testHooks) return Promise.reject(new InspectdError('MODEL_TEST_HOOK', 'testHook needs openInspector({ testHooks: true })'));
    if (this.slots.every((s) => s.state === 'dead')) return Promise.reject(this.allDead());
    // Without `transfer` the caller keeps its bytes; a view into a larger or shared buffer (a
    // pooled Buffer, a slice of a capture chunk) is always copied: detaching it would take memory
    // others still use.
    return this.enqueue(opts.transfer && ownsBuffer(bytes) ? bytes : new Uint8Array(bytes), opts);
  }

  private enqueue(data: Float32Array | Uint8Array, opts: InspectOptions): Promise<InspectOutcome> {
    return new Promise<InspectOutcome>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, data, opts, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    // Fill every worker to one request before giving any a second: with fewer frames than
    // workers, each frame gets a core of its own.
    for (let depth = 1; depth <= this.cfg.perWorker; depth++) {
      for (const slot of this.slots) {
        if (this.queue.length === 0) return;
        if (slot.state !== 'ready' || !slot.worker || slot.jobs.length >= depth) continue;
        const job = this.queue.shift()!;
        slot.jobs.push(job);
        const payload = job.data instanceof Float32Array ? { data: job.data } : { encoded: job.data };
        const req: InspectRequest = { type: 'inspect', id: job.id, ...payload, roi: job.opts.roi ?? undefined, wantMap: job.opts.wantMap ?? false, mapIfScoreBelow: job.opts.mapIfScoreBelow, testHook: job.opts.testHook };
        slot.worker.postMessage(req, [job.data.buffer as ArrayBuffer]);
        this.armOldest(slot);
      }
    }
  }

  /**
   * A request's clock runs while it is the oldest its worker holds, i.e. while the worker works
   * on it: not while it waited in the pool's queue, nor behind the request before it.
   */
  private armOldest(slot: Slot): void {
    const job = slot.jobs[0];
    if (job && !job.timer) job.timer = setTimeout(() => this.onTimeout(slot, job), this.cfg.timeoutMs);
  }

  private onReply(slot: Slot, msg: Extract<WorkerReply, { type: 'result' | 'failed' }>): void {
    const at = slot.jobs.findIndex((j) => j.id === msg.id);
    if (at < 0) return;
    const [job] = slot.jobs.splice(at, 1);
    clearTimeout(job.timer);
    this.armOldest(slot);
    if (msg.type === 'result') {
      this.counts.completed++;
      job.resolve({ score: msg.score, ssimMean: msg.ssimMean, map: msg.map, inferMs: msg.inferMs, scoreMs: msg.scoreMs, frame: msg.frame });
    } else {
      this.counts.failed++;
      job.reject(fromWire(msg.error));
    }
    this.dispatch();
  }

  private onTimeout(slot: Slot, job: Job): void {
    if (slot.jobs[0] !== job) return;
    this.counts.timeouts++;
    const err = new InspectdError('MODEL_TIMEOUT', `inference took longer than ${this.cfg.timeoutMs} ms on worker ${slot.index}; worker replaced`, { worker: slot.index, timeoutMs: this.cfg.timeoutMs });
    this.replace(slot, 'timeout', err);
  }

  /** Fail the slot's job, drop its worker and start a fresh one in its place. */
  private replace(slot: Slot, reason: 'timeout' | 'crash', err: InspectdError): void {
    if (reason === 'crash') this.counts.crashes++;
    // A request queued behind the lost one went down with the worker: its buffer was transferred,
    // so it cannot be sent again. It fails at once (its frame gets the fail-safe error verdict).
    const behind = new InspectdError(err.code, `worker ${slot.index} was replaced while this frame waited behind another (${err.message})`, err.context);
    for (const [i, job] of slot.jobs.splice(0).entries()) {
      clearTimeout(job.timer);
      this.counts.failed++;
      job.reject(i === 0 ? err : behind);
    }
    this.abandon(slot);
    if (this.closing) return;
    this.counts.restarts++;
    try {
      this.cfg.onRestart?.({ worker: slot.index, reason, error: err });
    } catch {
      // A logging callback must not break recovery.
    }
    this.spawn(slot).catch(() => undefined); // a failed restart marks the slot dead (see spawn)
  }

  /**
   * Detach and terminate a slot's worker without waiting: a thread stuck in native code only
   * ends when that code returns, and must not hold up the pool or keep the process alive.
   */
  private abandon(slot: Slot): void {
    const w = slot.worker;
    slot.worker = null;
    if (!w) return;
    w.unref();
    w.terminate().catch(() => undefined);
  }

  private allDead(): InspectdError {
    const last = this.slots.find((s) => s.lastError)?.lastError;
    return new InspectdError('MODEL_WORKER_FAILED', `no model worker is running for ${this.modelPath}: restart failed${last ? `: ${last.code} ${last.message}` : ''}`, { modelPath: this.modelPath, cause: last?.code });
  }

  private onSlotLost(): void {
    if (!this.slots.every((s) => s.state === 'dead')) return;
    const err = this.allDead();
    for (const job of this.queue.splice(0)) job.reject(err);
  }

  stats(): InspectorStats {
    const n = (st: Slot['state']) => this.slots.filter((s) => s.state === st).length;
    const busy = this.slots.filter((s) => s.state === 'ready' && s.jobs.length > 0).length;
    return { workers: this.slots.length, ready: n('ready'), busy, queued: this.queue.length, ...this.counts, dead: n('dead') };
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    const err = new InspectdError('MODEL_CLOSED', 'inspector closed');
    for (const job of this.queue.splice(0)) job.reject(err);
    const exits: Promise<unknown>[] = [];
    for (const slot of this.slots) {
      for (const job of slot.jobs.splice(0)) {
        clearTimeout(job.timer);
        job.reject(err);
      }
      clearTimeout(slot.startTimer);
      const w = slot.worker;
      slot.worker = null;
      slot.state = 'dead';
      if (w) exits.push(w.terminate().catch(() => undefined));
    }
    // Bounded: a worker stuck in native code cannot be stopped; do not wait for it forever.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => {
      timer = setTimeout(r, 2000);
      timer.unref();
    });
    this.closing = Promise.race([Promise.all(exits).then(() => undefined), deadline]).finally(() => clearTimeout(timer));
    return this.closing;
  }
}
