import type { Logger } from 'pino';
import type { CommandHandler, CommandResult } from '../publish/types.js';
import type { Store } from '../store/types.js';
import type { RuntimeSettings } from './settings.js';

/** Runtime settings operators may change without a restart. */
export interface Controls {
  threshold: number;
  saveImages: 'rejects' | 'all' | 'none';
  paused: boolean;
}

export interface CommandDeps {
  controls: Controls;
  store: Pick<Store, 'recordThresholdChange'>;
  station: string;
  log: Pick<Logger, 'info' | 'warn'>;
  publishState: (name: string, payload: unknown) => void;
  /** Software trigger; throws when the camera is free-running. */
  trigger: () => number;
  /** Ready line follows pause/resume so the PLC knows parts are not being inspected. */
  setReady?: (ready: boolean) => void;
  /** Keeps threshold and save_images for the next start. */
  settings?: Pick<RuntimeSettings, 'save'>;
}

/**
 * `<prefix>/<station>/set/<name>` commands. Each payload is validated and a bad one gets an
 * error response naming what is wrong; nothing changes unless the whole command is valid.
 * Every threshold change is recorded in SQLite with who and when before it takes effect.
 */
export function createCommandHandler(d: CommandDeps): CommandHandler {
  const handlers: Record<string, (p: Record<string, unknown>) => CommandResult> = {
    threshold(p) {
      const v = p.value;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < -1 || v > 1) return { ok: false, error: 'threshold: value must be a number in [-1, 1]' };
      const who = typeof p.who === 'string' && p.who.length <= 64 ? p.who : 'mqtt';
      const old = d.controls.threshold;
      d.store.recordThresholdChange({ ts: Date.now(), station: d.station, old, new: v, who, reason: typeof p.reason === 'string' ? p.reason.slice(0, 200) : null });
      d.settings?.save('threshold', v, who);
      d.controls.threshold = v;
      d.log.info({ old, new: v, who }, 'threshold changed');
      d.publishState('threshold', { value: v, source: who });
      return { ok: true, old, value: v };
    },
    pause() {
      d.controls.paused = true;
      d.setReady?.(false);
      d.publishState('paused', { value: true });
      return { ok: true, paused: true };
    },
    resume() {
      d.controls.paused = false;
      d.setReady?.(true);
      d.publishState('paused', { value: false });
      return { ok: true, paused: false };
    },
    save_images(p) {
      const v = p.value;
      if (v !== 'rejects' && v !== 'all' && v !== 'none') return { ok: false, error: "save_images: value must be 'rejects', 'all' or 'none'" };
      d.controls.saveImages = v;
      d.settings?.save('save_images', v, typeof p.who === 'string' && p.who.length <= 64 ? p.who : 'mqtt');
      d.publishState('save_images', { value: v });
      return { ok: true, value: v };
    },
    trigger() {
      return { ok: true, seq: d.trigger() };
    },
  };
  return async (name, payload) => {
    const h = handlers[name];
    if (!h) return { ok: false, error: `unknown command '${name}' (known: ${Object.keys(handlers).join(', ')})` };
    return h(payload);
  };
}
