// Redis dies and comes back (a private redis-server, killed with SIGKILL and started again empty)
// while CRITICAL and HIGH events flow through two gateway instances. The gateways notice, stop
// fanning out, reconnect by themselves, re-subscribe, ask their clients to resume, and every
// client ends with every event exactly once, in order per channel and partition.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../gateway/gateway.js';
import { criticalAndHighMix, EventFlow } from './support/flow.js';
import { createFixture, eventually, type Fixture, token } from './support/harness.js';
import { freePort, PrivateRedis } from './support/processes.js';

let fx: Fixture;
let redis: PrivateRedis;
let a: { gateway: Gateway; url: string };
let b: { gateway: Gateway; url: string };

beforeAll(async () => {
  redis = new PrivateRedis(await freePort());
  await redis.start();
  fx = await createFixture('redis', 2);
  const own = { connection: { ...fx.config().connection, redis: { url: redis.url } } } as const;
  a = await fx.startGateway({ instanceId: 'gw-redis-a', ...own });
  b = await fx.startGateway({ instanceId: 'gw-redis-b', ...own });
  await eventually(
    () =>
      a.gateway.lanePartitions().length > 0 &&
      b.gateway.lanePartitions().length > 0 &&
      a.gateway.lanePartitions().length + b.gateway.lanePartitions().length === 8,
    60_000,
    'both instances own lane partitions',
  );
}, 120_000);

afterAll(async () => {
  await fx?.cleanup();
  await redis?.kill();
});

describe('Redis restart under load', () => {
  it('recovers by itself and loses nothing that Kafka acknowledged', async () => {
    const flow = new EventFlow(fx, criticalAndHighMix('ACC-REDIS', 'REDISX'));
    const jwt = await token('u-redis', ['trader'], { account: 'ACC-REDIS' });
    const onA = fx.client(a.url, { token: jwt });
    const onB = fx.client(b.url, { token: jwt });
    await Promise.all([onA.connect(), onB.connect()]);
    const gotA = EventFlow.record(onA);
    const gotB = EventFlow.record(onB);
    for (const channel of flow.channels) {
      expect(await onA.subscribe(channel)).toMatchObject({ ok: true });
      expect(await onB.subscribe(channel)).toMatchObject({ ok: true });
    }

    flow.start(15);
    await eventually(() => gotA.length >= 40 && gotB.length >= 40, 30_000, 'deliveries before the outage');
    await redis.kill();
    await new Promise((r) => setTimeout(r, 2000));
    await redis.start();
    // Both instances find Redis again and ask their clients to resume.
    await eventually(
      () => a.gateway.metrics.resumeRequired > 0 && b.gateway.metrics.resumeRequired > 0,
      30_000,
      'gateways recovered',
    );
    await new Promise((r) => setTimeout(r, 1500));
    await flow.stop();

    await eventually(
      () => flow.complete(gotA) && flow.complete(gotB),
      60_000,
      'every produced event on both clients',
    ).catch((e) => {
      throw new Error(
        `${e.message}: missing on A ${flow.missing(gotA).length}, on B ${flow.missing(gotB).length}`,
      );
    });
    await new Promise((r) => setTimeout(r, 1000));
    flow.verify(gotA);
    flow.verify(gotB);
    // The clients never lost their connections: Redis is behind the gateways, not in front.
    expect(onA.socket.connected && onB.socket.connected).toBe(true);

    // Cross-instance fan-out works again after the restart.
    const after = await fx.publish('MARGIN_CALL', { header: { accountId: 'ACC-REDIS' } } as never);
    await eventually(
      () =>
        [gotA, gotB].every((got) =>
          got.some(
            (d) =>
              d.position.offset === after.offset &&
              d.position.topic === after.topic &&
              d.position.partition === after.partition,
          ),
        ),
      20_000,
      'a new event on both instances',
    );
  });
});
