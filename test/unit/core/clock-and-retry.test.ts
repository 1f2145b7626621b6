import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { BusError } from '../../../core/errors.js';
import { backoffDelay, RetriesExhaustedError, retry } from '../../../core/retry.js';

describe('ManualClock', () => {
  it('fires due timers in time order, each seeing its own due time', () => {
    const clock = new ManualClock(1000);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 100);
    const cancelled = clock.setTimeout(() => seen.push('never'), 150);
    clock.clearTimeout(cancelled);
    clock.advance(150);
    expect(seen).toEqual(['a@1100']);
    clock.advance(1000);
    expect(seen).toEqual(['a@1100', 'b@1200']);
    expect(clock.now()).toBe(2150);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires timers scheduled by timers within the same advance', () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 10);
    }, 10);
    clock.advance(30);
    expect(seen).toEqual([10, 20]);
  });
});

describe('retry', () => {
  it('retries retriable errors with growing delays and returns the first success', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        calls++;
        if (calls < 3) throw new BusError('TIMEOUT', 'slow', { retriable: true });
        return 'ok';
      },
      { initialDelayMs: 1, jitter: 0, onRetry: (_e, _n, d) => delays.push(d) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(delays).toEqual([1, 2]);
  });

  it('does not retry an error marked not retriable', async () => {
    const fn = vi.fn(async () => {
      throw new BusError('SERDE_DECODE', 'garbage');
    });
    await expect(retry(fn, { initialDelayMs: 1 })).rejects.toMatchObject({ code: 'SERDE_DECODE' });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('gives up after the configured retries with every attempt recorded', async () => {
    const err = await retry(
      async (n) => {
        throw new BusError('KAFKA_CONNECTION', `down ${n}`, { retriable: true });
      },
      { retries: 2, initialDelayMs: 1 },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(RetriesExhaustedError);
    expect(err.attempts).toHaveLength(3);
    expect(err.message).toContain('gave up after 3 attempt(s): down 2');
  });

  it('caps the backoff delay', () => {
    expect(backoffDelay(1, { initialDelayMs: 100 })).toBe(100);
    expect(backoffDelay(4, { initialDelayMs: 100 })).toBe(800);
    expect(backoffDelay(20, { initialDelayMs: 100, maxDelayMs: 5000 })).toBe(5000);
  });
});
