// Rate limits on what clients send, per user and per service, shared by all instances through
// Redis (rate-limiter-flexible). An in-memory insurance limiter with the same budget takes over
// when Redis is not ready, so a Redis outage neither lets floods through nor refuses everyone.
// Keys that went over their budget are blocked in memory until the window ends, so a flood stops
// costing Redis round trips after its first refusal. Without Redis (the single-instance embedded
// demo) the in-memory limiter is the limit.

import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { Logger } from '../../core/logger.js';
import { limitKey, type Principal } from '../auth/principal.js';

export interface RateBudget {
  points: number;
  durationSec: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

export class EventRateLimiter {
  private readonly users: RateLimiterAbstract;
  private readonly services: RateLimiterAbstract;

  constructor(
    /** Undefined: one instance without Redis, limited in memory. */
    redis: Redis | undefined,
    keyPrefix: string,
    budgets: { user: RateBudget; service: RateBudget },
    private readonly logger: Logger,
  ) {
    const make = (name: string, b: RateBudget): RateLimiterAbstract =>
      !redis
        ? new RateLimiterMemory({
            keyPrefix: `${keyPrefix}rl:${name}`,
            points: b.points,
            duration: b.durationSec,
          })
        : new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: `${keyPrefix}rl:${name}`,
            points: b.points,
            duration: b.durationSec,
            rejectIfRedisNotReady: true,
            inMemoryBlockOnConsumed: b.points + 1,
            insuranceLimiter: new RateLimiterMemory({
              keyPrefix: `${keyPrefix}rl:${name}:insurance`,
              points: b.points,
              duration: b.durationSec,
            }),
          });
    this.users = make('user', budgets.user);
    this.services = make('service', budgets.service);
  }

  /** Spends one point of the principal's budget. */
  async consume(p: Principal): Promise<RateDecision> {
    const limiter = p.kind === 'service' ? this.services : this.users;
    try {
      await limiter.consume(limitKey(p), 1);
      return { ok: true };
    } catch (e) {
      if (e instanceof RateLimiterRes)
        return { ok: false, retryAfterMs: Math.max(1, Math.ceil(e.msBeforeNext)) };
      // Both Redis and the insurance failed: let the event through rather than cut everyone off.
      this.logger.warn({ err: e }, 'rate limiter failed open');
      return { ok: true };
    }
  }
}
