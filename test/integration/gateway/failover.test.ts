// Kill -9 the gateway instance a client is connected to while CRITICAL and HIGH events flow. The
// client reaches the other instance through a plain round-robin TCP balancer, resumes from its
// cursor (replay from Kafka), and ends with every event exactly once, in order per channel and
// partition, although the surviving instance also re-consumes the dead one's uncommitted records.

import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Gateway } from '../../../gateway/gateway.js';
import { criticalAndHighMix, EventFlow } from './support/flow.js';
import { createFixture, eventually, type Fixture, token } from './support/harness.js';
import { type GatewayProcess, spawnGateway, startBalancer } from './support/processes.js';

let fx: Fixture;
let doomed: GatewayProcess;
let survivor: { gateway: Gateway; url: string };
let balancer: Awaited<ReturnType<typeof startBalancer>>;

beforeAll(async () => {
  fx = await createFixture('failover', 2);
  doomed = await spawnGateway(fx.config({ instanceId: 'gw-doomed', server: { host: '127.0.0.1', port: 0 } }));
  survivor = await fx.startGateway({ instanceId: 'gw-survivor', server: { host: '127.0.0.1' } });
  await eventually(
    () =>
      doomed.partitions() > 0 &&
      survivor.gateway.lanePartitions().length > 0 &&
      doomed.partitions() + survivor.gateway.lanePartitions().length === 8,
    90_000,
    'both instances own lane partitions',
  );
  // The doomed instance first: the client's first connection lands on it.
  balancer = await startBalancer([doomed.port, Number(new URL(survivor.url).port)]);
}, 180_000);

afterAll(async () => {
  balancer?.close();
  await doomed?.kill();
  await fx?.cleanup();
});

describe('instance failure under load', () => {
  // No retry: the doomed instance is dead after the first attempt, so a second one could only time
  // out waiting for a failover that cannot happen again, hiding the first attempt's failure.
  it('resumes on the other instance with every CRITICAL and HIGH event exactly once, in order', {
    retry: 0,
  }, async () => {
    const flow = new EventFlow(fx, criticalAndHighMix('ACC-FAIL', 'FAILX'));
    onTestFinished(() => flow.stop().catch(() => undefined));
    const client = fx.client(`http://127.0.0.1:${balancer.port}`, {
      token: await token('u-fail', ['trader'], { account: 'ACC-FAIL' }),
    });
    await client.connect();
    expect(balancer.connectionsTo.get(doomed.port)).toBe(1);
    const got = EventFlow.record(client);
    let disconnects = 0;
    client.socket.on('disconnect', () => disconnects++);
    for (const channel of flow.channels) expect(await client.subscribe(channel)).toMatchObject({ ok: true });

    flow.start(15);
    await eventually(() => got.length >= 60, 30_000, 'live deliveries before the kill');
    await doomed.kill();
    const killedAt = flow.produced.length;
    await eventually(
      () => client.socket.connected && disconnects === 1,
      30_000,
      'reconnected to the survivor',
    );
    expect(balancer.connectionsTo.get(Number(new URL(survivor.url).port))).toBe(1);
    // Keep the flow going through the dead instance's session timeout and the rebalance.
    await eventually(
      () => survivor.gateway.lanePartitions().length === 8,
      60_000,
      'survivor owns every lane partition',
    );
    await new Promise((r) => setTimeout(r, 1500));
    await flow.stop();
    expect(flow.produced.length).toBeGreaterThan(killedAt + 50);

    await eventually(() => flow.complete(got), 60_000, 'every produced event delivered').catch((e) => {
      const missing = flow.missing(got);
      throw new Error(
        `${e.message}: ${missing.length} missing, e.g. ${JSON.stringify(missing.slice(0, 5))}; cursors ${JSON.stringify(flow.channels.map((c) => client.cursor(c)))}`,
      );
    });
    await new Promise((r) => setTimeout(r, 1000)); // late duplicates would show up here
    flow.verify(got);
    expect(survivor.gateway.metrics.replays).toBeGreaterThan(0);
  });
});
