// A DSL-built topology on the real broker: a table from a compacted topic, a stream–table join, a
// re-keying groupBy (repartition topic) and an aggregate (changelog-backed store), run by two
// instances; when one stops, the other restores the table and the aggregate from their changelogs
// and the totals continue exactly where they were.
import { afterAll, describe, expect, it } from 'vitest';
import { StreamsRuntime } from '../../../runtime/engine/streams-runtime.js';
import { changelogTopic, domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import { Serdes, TopologyBuilder } from '../../../topology/index.js';
import { produceAll, readTopic, waitFor } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const connection = servicesConfig();
const topicManager = new TopicManager(connection);
const cleanup: string[] = [];
const runtimes: StreamsRuntime[] = [];
afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.stop()));
  await topicManager.delete(cleanup);
});

interface Order {
  account: string;
  qty: number;
}
interface Exposure {
  account: string;
  notional: number;
}

function exposureTopology(app: string, orders: string, prices: string, out: string) {
  const b = new TopologyBuilder();
  const priceTable = b.table(prices, {
    key: Serdes.string(),
    value: Serdes.json<number>(),
    name: 'prices',
    store: 'latest-prices',
  });
  b.stream(orders, { key: Serdes.string(), value: Serdes.json<Order>(), name: 'orders' })
    .join(priceTable, (o: Order, price: number) => ({ account: o.account, notional: o.qty * price }), {
      name: 'enrich',
      valueSerde: Serdes.json<Exposure>(),
    })
    .groupBy((e: Exposure) => e.account, { name: 'by-account', key: Serdes.string() })
    .aggregate(
      () => 0,
      (_k: string, e: Exposure, total: number) => total + e.notional,
      { name: 'exposure', store: 'exposure', valueSerde: Serdes.json<number>() },
    )
    .toStream({ name: 'exposure-changes' })
    .to(out, { name: 'exposure-out' });
  return b.build({ applicationId: app });
}

describe('a DSL topology on Kafka', () => {
  it('joins, repartitions and aggregates across two instances, and survives losing one', async () => {
    const app = uniqueName('dsl');
    const orders = uniqueName('orders');
    const prices = uniqueName('prices');
    const out = uniqueName('exposure');
    await topicManager.ensure([domainTopic(orders, 4), changelogTopic(prices, 4), domainTopic(out, 4)]);
    const plan = exposureTopology(app, orders, prices, out);
    cleanup.push(orders, prices, out, ...plan.internalTopics.map((t) => t.name), `${app}-dlq`);
    expect(plan.internalTopics.map((t) => t.kind).sort()).toEqual(['changelog', 'changelog', 'repartition']);

    const a = new StreamsRuntime({ connection, plan, instanceId: 'a', commitIntervalMs: 50 });
    const b = new StreamsRuntime({ connection, plan, instanceId: 'b', commitIntervalMs: 50 });
    runtimes.push(a, b);
    await a.start();
    await b.start();
    await waitFor(
      () => a.ready && b.ready && a.assignment().length + b.assignment().length === 12,
      60_000,
      'both instances ready',
    );

    const symbols = { AAPL: 200, MSFT: 400, GOOG: 150, TSLA: 250 };
    await produceAll(
      connection,
      Object.entries(symbols).map(([s, p]) => ({ topic: prices, key: s, value: JSON.stringify(p) })),
    );
    await new Promise((r) => setTimeout(r, 1000)); // the table is read before the orders
    const accounts = ['ACC-1', 'ACC-2', 'ACC-3'];
    const round = (n: number) =>
      Object.keys(symbols).flatMap((s, i) =>
        accounts.map((acc, j) => ({
          topic: orders,
          key: s,
          value: JSON.stringify({ account: acc, qty: n * (i + j + 1) }),
        })),
      );
    await produceAll(connection, round(1));
    const expected = (rounds: number) =>
      Object.fromEntries(
        accounts.map((acc, j) => [
          acc,
          Object.entries(symbols).reduce(
            (t, [, p], i) => t + (p * (i + j + 1) * rounds * (rounds + 1)) / 2,
            0,
          ),
        ]),
      );
    const latest = async (count: number) => {
      const records = await readTopic(connection, out, count, { timeoutMs: 60_000 });
      const totals: Record<string, number> = {};
      for (const r of records.sort((x, y) => x.offset - y.offset))
        totals[r.key] = Math.max(totals[r.key] ?? 0, JSON.parse(r.value.toString()));
      return totals;
    };
    expect(await latest(12)).toEqual(expected(1));

    await b.stop();
    await waitFor(() => a.ready && a.assignment().length === 12, 60_000, 'the survivor owning everything');
    await produceAll(connection, round(2));
    // Totals continue from the restored aggregate, and joins see the restored price table.
    expect(await latest(24)).toEqual(expected(2));
  });
});
