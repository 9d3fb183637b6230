import { describe, expect, it, vi } from 'vitest';

// Each native module is replaced by a recorder: importing it (statically or by import()) logs
// its name, so the test sees exactly which ones a module graph loads and when.
const loaded = vi.hoisted(() => [] as string[]);
vi.mock('sharp', () => (loaded.push('sharp'), { default: { cache: () => {} } }));
vi.mock('@julusian/jpeg-turbo', () => (loaded.push('jpeg-turbo'), { default: {} }));
vi.mock('better-sqlite3', () => (loaded.push('better-sqlite3'), { default: class {} }));
vi.mock('onnxruntime-node', () => (loaded.push('onnxruntime-node'), {}));

describe('native modules load when used, not when the daemon is imported (ARCHITECTURE.md §2)', () => {
  it('the CLI, the composition root and the store, preprocess and model doors load none', async () => {
    await import('../../src/cli/commands.js');
    await import('../../src/cli/runCmd.js');
    await import('../../src/daemon/index.js');
    await import('../../src/store/index.js');
    await import('../../src/preprocess/index.js');
    await import('../../src/model/index.js');
    expect(loaded).toEqual([]);
  });

  it('saving a reject image loads libjpeg-turbo, never sharp (libvips stays out of the daemon)', async () => {
    const { ImageArchive } = await import('../../src/store/images.js');
    const warned: string[] = [];
    const log = { warn: (o: { code?: string }) => warned.push(o.code ?? ''), info: () => {}, error: () => {} };
    const archive = new ImageArchive({ dir: '/nonexistent/inspectd-native-loads', quotaBytes: 1 << 20, backoffMs: 1000, now: () => 0, log: log as never, onEvicted: () => {} });
    // The recorder has no compress(): the encode fails, which is all this test needs after the import.
    await expect(archive.save({ pixels: new Uint8Array(16), width: 4, height: 4, channels: 1, seq: 1, ts: 0, verdict: 'reject' })).resolves.toBeNull();
    expect(warned).toEqual(['STORE_IMAGE_ENCODE']);
    expect(loaded).toEqual(['jpeg-turbo']);
  });

  it('the area path loads libjpeg-turbo only; sharp loads when asked for (saved images, other kernels)', async () => {
    const { loadPixelPath, loadSharp } = await import('../../src/preprocess/index.js');
    await loadPixelPath('area');
    expect(loaded).toEqual(['jpeg-turbo']);
    await loadSharp();
    expect(loaded).toEqual(['jpeg-turbo', 'sharp']);
  });
});
