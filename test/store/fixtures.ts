import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { InspectionResult } from '../../src/events/types.js';
import type { SinkLog } from '../../src/store/types.js';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg?: string;
}

/** A logger that records what the sink said, so tests can assert an error was reported. */
export function recordingLog(): SinkLog & { entries: LogEntry[]; codes(): string[] } {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry['level']) => (obj: object, msg?: string) => entries.push({ level, obj: obj as Record<string, unknown>, msg });
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    codes: () => entries.map((e) => String(e.obj.code ?? '')).filter(Boolean),
  };
}

export function result(seq: number, over: Partial<InspectionResult> = {}): InspectionResult {
  return {
    station: 'st1',
    seq,
    ts: 1_700_000_000_000 + seq * 33,
    source: `frame-${seq}.png`,
    score: 0.95,
    score_rule: 'residual_pool',
    ssim: null,
    threshold: 0.8,
    verdict: 'pass',
    latency_ms: 4.5,
    stages: { preprocess_ms: 1, infer_ms: 2, score_ms: 0.5 },
    ...over,
  };
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'inspectd-store-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Gray frame with a bright square, 8-bit HWC. */
export function frame(width: number, height: number, channels: 1 | 3, value = 100): Uint8Array {
  const px = new Uint8Array(width * height * channels).fill(value);
  return px;
}

/** Deterministic noise (incompressible, so JPEG sizes are predictable for quota tests). */
export function noiseFrame(width: number, height: number, seed: number): Uint8Array {
  const px = new Uint8Array(width * height * 3);
  let s = seed * 2654435761 || 1;
  for (let i = 0; i < px.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    px[i] = s & 0xff;
  }
  return px;
}

export const tick = () => new Promise<void>((r) => setImmediate(r));

/** Compile-time check (tsc over test/): the daemon's pino logger can be handed to the sinks as is. */
export const pinoIsASinkLog = (l: import('pino').Logger): SinkLog => l;

/**
 * A fresh temp folder per test, and every store a test opens (`track`) closed after it, then the
 * folder removed. Call at the top of a test file: it registers vitest's beforeEach/afterEach.
 */
export function perTestStores(): { dir: () => string; track: <S extends { close(): Promise<void> }>(s: S) => S } {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  let open: Array<{ close(): Promise<void> }> = [];
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => {
    for (const s of open) await s.close();
    open = [];
    await cleanup();
  });
  return { dir: () => dir, track: (s) => (open.push(s), s) };
}
