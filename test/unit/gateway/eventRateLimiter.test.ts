// With Redis unreachable the insurance limiter enforces the same budget in memory: floods are
// still refused (with a retry delay), users and services keep separate budgets.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../core/logger.js';
import type { Principal } from '../../../gateway/auth/principal.js';
import { EventRateLimiter } from '../../../gateway/limits/eventRateLimiter.js';

// Never connected: status stays "wait", so every call goes to the insurance limiter.
const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false });
afterAll(() => redis.disconnect());

const principal = (kind: 'user' | 'service', id: string): Principal => ({
  kind,
  id,
  roles: [],
  expiresAt: null,
  via: 'jwt',
});

describe('EventRateLimiter without Redis', () => {
  it('enforces the per-user budget through the in-memory insurance', async () => {
    const limiter = new EventRateLimiter(
      redis,
      'unit:',
      { user: { points: 5, durationSec: 60 }, service: { points: 50, durationSec: 60 } },
      silentLogger(),
    );
    const alice = principal('user', 'alice');
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await limiter.consume(alice));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(3);
    expect(refused[0]).toMatchObject({ ok: false, retryAfterMs: expect.any(Number) });
    expect((refused[0] as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    // Another user, and a service with the same id, are unaffected.
    expect(await limiter.consume(principal('user', 'bob'))).toEqual({ ok: true });
    for (let i = 0; i < 10; i++)
      expect(await limiter.consume(principal('service', 'alice'))).toEqual({ ok: true });
  });
});
