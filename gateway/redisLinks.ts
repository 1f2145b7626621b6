// The gateway's Redis connections and what it does when they drop. `pub` publishes adapter
// messages and serves rate limits / connection counts; `sub` holds the adapter's sharded
// subscriptions. While Redis is away a broadcast cannot reach other instances, so the lane
// consumer is suspended (clients keep their connections); when a link comes back the gateway
// asks clients to resume from their cursors, which fills any gap at the edges from Kafka.

import { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';

export interface RedisLinks {
  readonly pub: Redis;
  readonly sub: Redis;
  /** True while both links are usable. */
  healthy(): boolean;
  /** Called when a link is lost (`down`) and when both are back with subscriptions restored (`up`). */
  onChange(listener: (state: 'down' | 'up') => void): void;
  close(): Promise<void>;
}

export async function createRedisLinks(url: string, name: string, logger: Logger): Promise<RedisLinks> {
  const retryStrategy = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000);
  // No offline queue on `pub`: a publish while Redis is away fails at once instead of piling up
  // (the adapter still delivers to local sockets; rate limits fall back to their insurance).
  // Auto-pipelining: the commands of one event-loop turn — a lane batch's SPUBLISHes — go to the
  // socket in one write. One write per broadcast took 37% of the gateway's CPU in the end-to-end
  // benchmark (2,000 events/s, 2-core machine) and held its event loop for up to half a second.
  const pub = new Redis(url, {
    lazyConnect: true,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy,
    connectionName: `${name}-pub`,
  });
  // `sub` keeps its queue: the adapter subscribes to room channels at any time, and ioredis
  // re-subscribes every sharded channel after a reconnect.
  const sub = new Redis(url, { lazyConnect: true, retryStrategy, connectionName: `${name}-sub` });
  const listeners: ((state: 'down' | 'up') => void)[] = [];
  let down = false;
  let closing = false;

  const notify = (state: 'down' | 'up') => {
    for (const l of listeners) {
      try {
        l(state);
      } catch (err) {
        logger.error({ err }, 'redis state listener failed');
      }
    }
  };
  const onLost = (which: string) => () => {
    if (closing || down) return;
    down = true;
    logger.warn({ link: which }, 'redis link lost: fan-out suspended');
    notify('down');
  };
  const onReady = async () => {
    if (closing || !down || pub.status !== 'ready' || sub.status !== 'ready') return;
    try {
      // Commands on one connection run in order: this PING answers after the re-subscriptions.
      await sub.ping();
    } catch {
      return; // lost again; the next `ready` retries
    }
    if (!down || pub.status !== 'ready' || sub.status !== 'ready') return;
    down = false;
    logger.info('redis links restored: fan-out resumed');
    notify('up');
  };
  for (const [client, which] of [
    [pub, 'pub'],
    [sub, 'sub'],
  ] as const) {
    client.on('close', onLost(which));
    client.on('ready', () => void onReady());
    client.on('error', (err) => logger.debug({ err, link: which }, 'redis error'));
  }
  await Promise.all([pub.connect(), sub.connect()]);

  return {
    pub,
    sub,
    healthy: () => !down && pub.status === 'ready' && sub.status === 'ready',
    onChange: (listener) => void listeners.push(listener),
    async close() {
      closing = true;
      await Promise.allSettled([pub.quit(), sub.quit()]);
      pub.disconnect();
      sub.disconnect();
    },
  };
}
