// Replay pacing: the next batch is read while the current one is produced (but never more than
// one ahead), reader errors surface at the next batch, and the rate cap sleeps the right amount
// and gives way to an abort.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { prefetching, rateThrottle } from '../../../runtime/ops/replay-pacing.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('prefetching', () => {
  it('asks for batch N+1 while batch N is handled, and only one ahead', async () => {
    const log: string[] = [];
    async function* source() {
      for (const n of [1, 2, 3]) {
        log.push(`read ${n}`);
        yield n;
      }
      log.push('end');
    }
    for await (const n of prefetching(source())) {
      await new Promise((r) => setTimeout(r, 5));
      log.push(`handled ${n}`);
    }
    expect(log).toEqual(['read 1', 'read 2', 'handled 1', 'read 3', 'handled 2', 'end', 'handled 3']);
  });

  it('closes the source when the consumer stops early', async () => {
    let closed = false;
    async function* source() {
      try {
        for (let n = 0; ; n++) yield n;
      } finally {
        closed = true;
      }
    }
    for await (const n of prefetching(source())) if (n === 2) break;
    expect(closed).toBe(true);
  });

  it('rethrows a failed prefetch at the next batch, without an unhandled rejection', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    async function* source() {
      yield 1;
      throw new Error('broker gone');
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const n of prefetching(source())) {
          await new Promise((r) => setTimeout(r, 20)); // the prefetch fails meanwhile
          seen.push(n);
        }
      })(),
    ).rejects.toThrow('broker gone');
    process.off('unhandledRejection', unhandled);
    expect(seen).toEqual([1]);
    expect(unhandled).not.toHaveBeenCalled();
  });
});

describe('rateThrottle', () => {
  it('sleeps so the average rate stays at the cap', async () => {
    vi.useFakeTimers({ now: 0 });
    const throttle = rateThrottle(1000, undefined);
    let done = false;
    const p = throttle(500).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(499);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(done).toBe(true);
  });

  it('does not sleep without a cap, and stops sleeping on abort', async () => {
    vi.useFakeTimers({ now: 0 });
    await rateThrottle(undefined, undefined)(1_000_000);
    const controller = new AbortController();
    const p = rateThrottle(1, controller.signal)(3600);
    controller.abort();
    await p; // resolves at once instead of after an hour
    expect(vi.getTimerCount()).toBe(0);
  });
});
