// `tmbus demo` on the real stack (TMBUS_DEMO_MODE=kafka): the services and topologies on Kafka and
// the schema registry, two gateway instances in one consumer group behind the Redis adapter, every
// topic, group, subject and Redis key under a prefix unique to this run. Trader A is connected to
// the first gateway and trader B to the second: A receives market data, orders, portfolio events
// and a CRITICAL risk alert whichever instance consumed them; B is refused A's orders.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from '../../../cli/demo-stack.js';
import { DEFAULT_SYMBOLS } from '../../../examples/services/market-data-feed.js';
import { TopicManager } from '../../../runtime/kafka/topics.js';
import { type DemoTrader, expectTradersIsolated } from '../../support/demo-clients.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const connection = servicesConfig();
let stack: DemoStack | undefined;

beforeAll(async () => {
  stack = await startDemoStack({
    port: 0,
    gateways: 2,
    env: {},
    demo: {
      mode: 'kafka',
      connection,
      topicPrefix: `${uniqueName('it-npmstart')}.`,
      partitions: 3,
      seed: 777,
      rates: { orders: 8, marketData: 120 },
      env: {},
    },
  });
}, 180_000);

afterAll(async () => {
  if (!stack) return;
  await stack.stop();
  if (stack.demo.mode === 'kafka') await new TopicManager(connection).delete(stack.demo.topicNames());
}, 120_000);

function trader(i: 0 | 1, url: string): DemoTrader {
  const t = (stack as DemoStack).tokens[i];
  if (!t.account) throw new Error('trader token without an account');
  return { url, token: t.token, sub: t.sub, account: t.account };
}

describe('tmbus demo on Kafka with two gateways', () => {
  it('runs two gateway instances sharing the lane partitions', async () => {
    const s = stack as DemoStack;
    expect(s.demo.mode).toBe('kafka');
    expect(s.urls).toHaveLength(2);
    const deadline = Date.now() + 60_000;
    while (s.gateways.some((g) => g.lanePartitions().length === 0) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    const owned = s.gateways.map((g) => g.lanePartitions().length);
    expect(owned.every((n) => n > 0)).toBe(true);
    expect(owned[0]! + owned[1]!).toBe(12);
  });

  it("delivers A's events across instances and keeps B away from A's orders", async () => {
    const s = stack as DemoStack;
    const symbols = DEFAULT_SYMBOLS.map((x) => x.symbol);
    const got = await expectTradersIsolated(trader(0, s.urls[0]!), trader(1, s.urls[1]!), symbols, 90_000);
    expect(got.a.some((d) => d.channel.startsWith('market:'))).toBe(true);
  });
});
