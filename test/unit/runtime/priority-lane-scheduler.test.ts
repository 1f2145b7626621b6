import { describe, expect, it } from 'vitest';
import { PriorityLaneScheduler } from '../../../runtime/lanes/priority-lane-scheduler.js';

function drain<T>(s: PriorityLaneScheduler<T>, now: number): T[][] {
  const out: T[][] = [];
  for (let item = s.next(now); item; item = s.next(now)) {
    out.push(item.values);
    s.release(item);
  }
  return out;
}

describe('PriorityLaneScheduler', () => {
  it('serves CRITICAL before a backlog of lower lanes, keeping FIFO within a queue', () => {
    const s = new PriorityLaneScheduler<string>({ agingMs: 10_000 });
    for (let i = 0; i < 5; i++) s.enqueue('system-0', `bg${i}`, 'BACKGROUND', 0);
    s.enqueue('portfolio-0', 'std0', 'STANDARD', 1);
    s.enqueue('orders-0', 'high0', 'HIGH', 2);
    s.enqueue('risk-0', 'crit0', 'CRITICAL', 3);
    s.enqueue('risk-0', 'crit1', 'CRITICAL', 4);
    expect(drain(s, 5).flat()).toEqual([
      'crit0',
      'crit1',
      'high0',
      'std0',
      'bg0',
      'bg1',
      'bg2',
      'bg3',
      'bg4',
    ]);
    expect(s.pending).toBe(0);
  });

  it('never reorders one queue even when a later record there is more urgent', () => {
    const s = new PriorityLaneScheduler<string>({ agingMs: 10_000 });
    s.enqueue('orders-1', 'placed', 'HIGH', 0);
    s.enqueue('orders-1', 'rejected', 'CRITICAL', 1);
    s.enqueue('orders-2', 'other-high', 'HIGH', 2);
    // orders-1's head is HIGH, so the CRITICAL record waits behind it; both HIGH heads in arrival order.
    expect(drain(s, 3).flat()).toEqual(['placed', 'rejected', 'other-high']);
  });

  it('ages waiting heads up one lane per agingMs so BACKGROUND does not starve', () => {
    const s = new PriorityLaneScheduler<string>({ agingMs: 100 });
    s.enqueue('system-0', 'old-bg', 'BACKGROUND', 0);
    s.enqueue('orders-0', 'fresh-high', 'HIGH', 350);
    // at t=350 the background head has waited 3.5 agings: 3 - 3 = 0 beats HIGH's 1
    expect(s.next(350)?.values).toEqual(['old-bg']);
    const s2 = new PriorityLaneScheduler<string>({ agingMs: 100 });
    s2.enqueue('system-0', 'young-bg', 'BACKGROUND', 300);
    s2.enqueue('orders-0', 'fresh-high', 'HIGH', 350);
    expect(s2.next(350)?.values).toEqual(['fresh-high']);
  });

  it('never ages a head past CRITICAL: a fresh risk alert goes before a backlog of old market data', () => {
    const s = new PriorityLaneScheduler<string>({ agingMs: 100 });
    s.enqueue('market-0', 'old-high', 'HIGH', 0);
    s.enqueue('system-0', 'old-bg', 'BACKGROUND', 0);
    s.enqueue('risk-0', 'fresh-critical', 'CRITICAL', 2_000);
    expect(drain(s, 2_000).flat()).toEqual(['fresh-critical', 'old-high', 'old-bg']);
  });

  it('honours per-lane in-flight limits until items are released', () => {
    const s = new PriorityLaneScheduler<string>({ agingMs: 10_000, inFlightLimits: { BACKGROUND: 1 } });
    s.enqueue('a', 'bg1', 'BACKGROUND', 0);
    s.enqueue('b', 'bg2', 'BACKGROUND', 0);
    const first = s.next(1)!;
    expect(first.values).toEqual(['bg1']);
    expect(s.next(1)).toBeUndefined();
    expect(s.inFlightOf('BACKGROUND')).toBe(1);
    s.release(first);
    expect(s.next(1)?.values).toEqual(['bg2']);
  });

  it('conflates a waiting item per key only when the queue is behind', () => {
    const s = new PriorityLaneScheduler<string>({ conflateAbove: 2 });
    expect(s.enqueue('md-0', 'AAPL@1', 'HIGH', 0, 'AAPL')).toBe(true);
    expect(s.enqueue('md-0', 'MSFT@1', 'HIGH', 0, 'MSFT')).toBe(true);
    expect(s.enqueue('md-0', 'AAPL@2', 'HIGH', 0, 'AAPL')).toBe(false);
    expect(s.depth('md-0')).toBe(2);
    expect(drain(s, 1)).toEqual([['AAPL@1', 'AAPL@2'], ['MSFT@1']]);
  });

  it('drops a revoked queue and returns what was waiting', () => {
    const s = new PriorityLaneScheduler<string>();
    s.enqueue('x', '1', 'HIGH', 0);
    s.enqueue('x', '2', 'HIGH', 0);
    expect(s.drop('x').map((i) => i.values[0])).toEqual(['1', '2']);
    expect(s.next(0)).toBeUndefined();
    expect(s.pending).toBe(0);
  });
});
