import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { PriorityLaneScheduler, type ScheduledItem } from '../../../runtime/lanes/priority-lane-scheduler.js';
import { PRIORITIES, type Priority, priorityRank } from '../../../schemas/catalog.js';

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

  it('hands out what a plain model of its rules does, over random enqueues, releases and drops', () => {
    // The model: per lane, the non-empty queue whose head became head earliest; among lanes under
    // their in-flight limit, the best score (CRITICAL always first, others aged by agingMs).
    type M = { v: string; p: Priority; at: number; key?: string; merged: string[] };
    const queues = new Map<string, { items: M[]; since: number }>();
    let clock = 0;
    const inFlight = PRIORITIES.map(() => 0);
    const limits = [Number.POSITIVE_INFINITY, 3, Number.POSITIVE_INFINITY, 2];
    const modelNext = (now: number): { queue: string; item: M } | undefined => {
      let best: { queue: string; item: M; score: number; lane: number; since: number } | undefined;
      for (const [queue, q] of queues) {
        const head = q.items[0];
        if (!head) continue;
        const lane = priorityRank(head.p);
        if (inFlight[lane]! >= limits[lane]!) continue;
        const score = lane === 0 ? Number.NEGATIVE_INFINITY : lane - Math.floor((now - head.at) / 50);
        if (
          !best ||
          score < best.score ||
          (score === best.score && (lane < best.lane || (lane === best.lane && q.since < best.since)))
        )
          best = { queue, item: head, score, lane, since: q.since };
      }
      if (!best) return undefined;
      const q = queues.get(best.queue)!;
      q.items.shift();
      q.since = ++clock;
      inFlight[best.lane]!++;
      return best;
    };
    const s = new PriorityLaneScheduler<string>({
      agingMs: 50,
      conflateAbove: 3,
      inFlightLimits: { HIGH: 3, BACKGROUND: 2 },
    });
    const handedOut: { item: ScheduledItem<string>; lane: number }[] = [];
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let now = 0;
    for (let step = 0; step < 20_000; step++) {
      now += rand(4);
      const op = rand(10);
      if (op < 5) {
        const queue = `q${rand(5)}`;
        const p = PRIORITIES[rand(4)]!;
        const key = rand(3) === 0 ? undefined : `k${rand(3)}`;
        const v = `v${step}`;
        let q = queues.get(queue);
        if (!q) {
          q = { items: [], since: 0 };
          queues.set(queue, q);
        }
        let merged = false;
        if (key !== undefined && q.items.length >= 3) {
          const waiting = q.items.findLast((m) => m.key === key);
          if (waiting) {
            waiting.merged.push(v);
            merged = true;
          }
        }
        if (!merged) {
          if (q.items.length === 0) q.since = ++clock;
          q.items.push({ v, p, at: now, key, merged: [v] });
        }
        expect(s.enqueue(queue, v, p, now, key)).toBe(!merged);
      } else if (op < 8) {
        const expected = modelNext(now);
        const item = s.next(now);
        expect(item && { queue: item.queue, values: item.values }).toEqual(
          expected && { queue: expected.queue, values: expected.item.merged },
        );
        if (item) handedOut.push({ item, lane: priorityRank(item.priority) });
      } else if (op < 9 && handedOut.length > 0) {
        const { item, lane } = handedOut.splice(rand(handedOut.length), 1)[0]!;
        s.release(item);
        inFlight[lane]!--;
      } else if (op === 9 && rand(20) === 0) {
        const queue = `q${rand(5)}`;
        const dropped = s.drop(queue).map((i) => i.values);
        expect(dropped).toEqual((queues.get(queue)?.items ?? []).map((m) => m.merged));
        queues.delete(queue);
      }
      expect(s.pending).toBe([...queues.values()].reduce((n, q) => n + q.items.length, 0));
    }
  });

  it('keeps no reference to an item it handed out while the rest of its queue waits', async () => {
    // A burst's processed records must not live on in the queue's array (promoted by every
    // scavenge until the array is cut): only a full collection would free them then.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const s = new PriorityLaneScheduler<{ n: number }>();
    const taken: WeakRef<object>[] = [];
    (() => {
      for (let n = 0; n < 10; n++) s.enqueue('md-0', { n }, 'HIGH', 0);
      for (let n = 0; n < 5; n++) {
        const item = s.next(0)!;
        taken.push(new WeakRef(item), new WeakRef(item.values[0]!));
        s.release(item);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 0)); // WeakRef targets are kept for the job
    gc();
    expect(taken.map((r) => r.deref())).toEqual(taken.map(() => undefined));
    expect(s.pending).toBe(5);
    expect(drain(s, 0).map(([v]) => v!.n)).toEqual([5, 6, 7, 8, 9]);
  });
});
