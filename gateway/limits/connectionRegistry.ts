// Connection limits per user and per service, counted across every gateway instance in Redis: one
// sorted set per principal whose members are live connections scored by their expiry. Each
// instance refreshes its own members; the members of an instance that died simply expire, so a
// crash never locks a user out for longer than the TTL. When Redis is unreachable the limit is
// enforced per instance (documented degradation) instead of refusing everyone. Without Redis at
// all (the single-instance embedded demo) the per-instance count is the limit.

import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import { limitKey, type Principal } from '../auth/principal.js';

const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[3]) then return n end
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return -1`;

export interface ConnectionRegistryOptions {
  keyPrefix: string;
  ttlMs: number;
  maxPerUser: number;
  maxPerService: number;
  instanceId: string;
}

export type AcquireResult = { ok: true } | { ok: false; count: number; max: number };

export class ConnectionRegistry {
  /** principal key → member ids of this instance's connections. */
  private readonly local = new Map<string, Set<string>>();
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    /** Undefined: a single instance without Redis, which counts its own connections only. */
    private readonly redis: Redis | undefined,
    private readonly options: ConnectionRegistryOptions,
    private readonly logger: Logger,
  ) {}

  private maxFor(p: Principal): number {
    return p.kind === 'service' ? this.options.maxPerService : this.options.maxPerUser;
  }

  private redisKey(p: Principal): string {
    return `${this.options.keyPrefix}conn:${limitKey(p)}`;
  }

  private member(socketId: string): string {
    return `${this.options.instanceId}/${socketId}`;
  }

  /** Counts a new connection, or says why it is one too many. */
  async acquire(p: Principal, socketId: string): Promise<AcquireResult> {
    const max = this.maxFor(p);
    const key = limitKey(p);
    const mine = this.local.get(key) ?? new Set<string>();
    if (!this.redis) {
      if (mine.size >= max) return { ok: false, count: mine.size, max };
      mine.add(this.member(socketId));
      this.local.set(key, mine);
      return { ok: true };
    }
    try {
      const n = (await this.redis.eval(
        ACQUIRE,
        1,
        this.redisKey(p),
        Date.now(),
        this.options.ttlMs,
        max,
        this.member(socketId),
      )) as number;
      if (n >= 0) return { ok: false, count: n, max };
    } catch (err) {
      this.logger.warn({ err }, 'connection registry unavailable: limiting per instance');
      if (mine.size >= max) return { ok: false, count: mine.size, max };
    }
    mine.add(this.member(socketId));
    this.local.set(key, mine);
    return { ok: true };
  }

  async release(p: Principal, socketId: string): Promise<void> {
    const key = limitKey(p);
    const mine = this.local.get(key);
    mine?.delete(this.member(socketId));
    if (mine?.size === 0) this.local.delete(key);
    if (!this.redis) return;
    try {
      await this.redis.zrem(this.redisKey(p), this.member(socketId));
    } catch {
      // expires with the TTL
    }
  }

  /** Keeps this instance's connections counted; call once after start. */
  startRefreshing(): void {
    if (!this.redis) return;
    const period = Math.max(500, Math.floor(this.options.ttlMs / 3));
    this.refreshTimer = setInterval(() => void this.refresh(), period);
    this.refreshTimer.unref();
  }

  private async refresh(): Promise<void> {
    if (this.local.size === 0 || !this.redis) return;
    const expiry = Date.now() + this.options.ttlMs;
    const principals = [...this.local];
    // In slices of 500 principals, yielding in between: one 10,000-user pipeline would hold the
    // event loop (and every delivery) for tens of milliseconds.
    for (let i = 0; i < principals.length; i += 500) {
      const pipeline = this.redis.pipeline();
      for (const [key, members] of principals.slice(i, i + 500)) {
        const redisKey = `${this.options.keyPrefix}conn:${key}`;
        // Re-adding (not XX) also restores the counts after Redis lost its data in a restart.
        for (const m of members) pipeline.zadd(redisKey, expiry, m);
        pipeline.pexpire(redisKey, this.options.ttlMs);
      }
      try {
        await pipeline.exec();
      } catch (err) {
        this.logger.debug({ err }, 'connection registry refresh failed');
        return;
      }
      await new Promise((r) => setImmediate(r));
    }
  }

  stop(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
  }
}
