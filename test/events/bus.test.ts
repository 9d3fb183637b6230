import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import type { InspectionResult } from '../../src/events/types.js';

const r = { seq: 1 } as InspectionResult;

describe('event bus', () => {
  it('isolates a throwing or rejecting sink: others still get the event, errors are counted', async () => {
    const reported: string[] = [];
    const bus = new EventBus((sink) => reported.push(sink));
    const got: number[] = [];
    bus.on('inspected', 'bad-sync', () => { throw new Error('boom'); });
    bus.on('inspected', 'bad-async', async () => { throw new Error('later'); });
    bus.on('inspected', 'good', (x) => { got.push(x.seq); });
    expect(() => bus.emit('inspected', r)).not.toThrow();
    await new Promise((res) => setTimeout(res, 0));
    expect(got).toEqual([1]);
    expect(reported.sort()).toEqual(['bad-async', 'bad-sync']);
    expect(bus.sinkErrors.get('bad-sync')).toBe(1);
  });

  it('unsubscribes', () => {
    const bus = new EventBus();
    const got: number[] = [];
    const off = bus.on('inspected', 's', (x) => { got.push(x.seq); });
    bus.emit('inspected', r);
    off();
    bus.emit('inspected', r);
    expect(got).toEqual([1]);
  });
});
