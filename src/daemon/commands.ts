import type { RootLogger as Logger } from '../platform/index.js';
import type { CommandHandler, CommandResult } from '../publish/index.js';
import type { InspectionLog } from '../store/index.js';
import { nameShown, saveImagesArg, thresholdArgs } from '../platform/index.js';
import type { RuntimeSettings } from './settings.js';
import type { Controls } from '../domain/index.js';

export type { Controls } from '../domain/index.js';

export interface CommandDeps {
  controls: Controls;
  store: Pick<InspectionLog, 'recordThresholdChange'>;
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
 * `<prefix>/<station>/set/<name>` commands. Each payload is validated (platform/commandInput.ts, the
 * same checks as the HTTP API) and a bad one gets an error response naming what is wrong; nothing changes unless the whole command is valid.
 * Every threshold change is recorded in SQLite with who and when before it takes effect.
 */
export function createCommandHandler(d: CommandDeps): CommandHandler {
  // A Map, not an object literal: `constructor`, `__proto__` or `toString` must be unknown
  // commands, not methods found on Object.prototype.
  const setPaused = (paused: boolean): CommandResult => {
    d.controls.paused = paused;
    d.setReady?.(!paused);
    d.publishState('paused', { value: paused });
    return { ok: true, paused };
  };
  const handlers = new Map<string, (p: Record<string, unknown>) => CommandResult>([
    ['threshold', (p) => {
      const args = thresholdArgs(p);
      if (!args.ok) return args;
      const { value: v, reason } = args.value;
      const who = args.value.who ?? 'mqtt';
      const old = d.controls.threshold;
      d.store.recordThresholdChange({ ts: Date.now(), station: d.station, old, new: v, who, reason: reason ?? null });
      d.settings?.save('threshold', v, who);
      d.controls.threshold = v;
      d.log.info({ old, new: v, who }, 'threshold changed');
      d.publishState('threshold', { value: v, source: who });
      return { ok: true, old, value: v };
    }],
    ['pause', () => setPaused(true)],
    ['resume', () => setPaused(false)],
    // One topic for both ways (a Home Assistant switch has a single command topic): {value: true|false}.
    ['paused', (p) => (typeof p.value === 'boolean' ? setPaused(p.value) : { ok: false, error: 'paused: value must be true or false' })],
    ['save_images', (p) => {
      const v = saveImagesArg(p);
      if (!v.ok) return v;
      d.controls.saveImages = v.value;
      d.settings?.save('save_images', v.value, typeof p.who === 'string' && p.who.length <= 64 ? p.who : 'mqtt');
      d.publishState('save_images', { value: v.value });
      return { ok: true, value: v.value };
    }],
    ['trigger', () => ({ ok: true, seq: d.trigger() })],
  ]);
  return async (name, payload) => {
    const h = handlers.get(name);
    if (!h) return { ok: false, error: `unknown command ${nameShown(name)} (known: ${[...handlers.keys()].join(', ')})` };
    return h(payload);
  };
}
