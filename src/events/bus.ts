import type { EventMap } from './types.js';

type Listener<K extends keyof EventMap> = (payload: EventMap[K]) => void | Promise<void>;
export interface SinkErrorReporter {
  (sink: string, event: keyof EventMap, err: unknown): void;
}

/**
 * Typed fan-out to sinks (SQLite, MQTT, dashboard). A sink that throws or rejects is reported
 * and counted, never propagated: the reject path emits and moves on. The actuator is not a
 * listener here — it sits on the awaited decision chain.
 */
export class EventBus {
  private listeners = new Map<keyof EventMap, Array<{ name: string; fn: Listener<keyof EventMap> }>>();
  readonly sinkErrors = new Map<string, number>();

  constructor(private readonly onSinkError: SinkErrorReporter = () => {}) {}

  on<K extends keyof EventMap>(event: K, sink: string, fn: Listener<K>): () => void {
    const list = this.listeners.get(event) ?? [];
    const entry = { name: sink, fn: fn as Listener<keyof EventMap> };
    list.push(entry);
    this.listeners.set(event, list);
    return () => {
      const l = this.listeners.get(event);
      if (l) l.splice(l.indexOf(entry), 1);
    };
  }

  emit<K extends keyof EventMap>(event: K, payload: EventMap[K]): void {
    for (const { name, fn } of this.listeners.get(event) ?? []) {
      try {
        const r = fn(payload);
        if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch((err) => this.fail(name, event, err));
      } catch (err) {
        this.fail(name, event, err);
      }
    }
  }

  private fail(sink: string, event: keyof EventMap, err: unknown): void {
    this.sinkErrors.set(sink, (this.sinkErrors.get(sink) ?? 0) + 1);
    try {
      this.onSinkError(sink, event, err);
    } catch {
      // The reporter itself failing must not reach the reject path either.
    }
  }
}
