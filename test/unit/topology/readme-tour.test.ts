// The README's five-minute tour, verbatim: if this breaks, the README is wrong.
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../runtime/testing/index.js';
import {
  createEventSerde,
  type EventOf,
  familySerde,
  InMemorySchemaRegistry,
  isEvent,
  laneTopic,
  sampleEvent,
} from '../../../schemas/index.js';
import { Serdes, TopologyBuilder } from '../../../topology/index.js';

describe('README tour', () => {
  it('routes, filters, transforms, joins and aggregates as the README says', async () => {
    // --- tour start
    const registry = new InMemorySchemaRegistry(); // HttpSchemaRegistry({ url }) against a real registry
    const orders = await familySerde(registry, 'OrderEvent');
    const prices = await familySerde(registry, 'MarketDataEvent', { topic: 'tm.prices' });
    const lanes = await createEventSerde(registry, { topic: laneTopic('CRITICAL') });

    const builder = new TopologyBuilder();
    const latestPrice = builder.table('tm.prices', { key: Serdes.string(), value: prices, name: 'prices' });
    const orderStream = builder.familyStream('OrderEvent', {
      key: Serdes.string(),
      value: orders,
      name: 'orders',
    });

    // route: one branch per event type, values narrowed to that type
    const { ORDER_FILLED: fills, ORDER_REJECTED_CRITICAL: rejections } = orderStream.routeByEventType(
      ['ORDER_FILLED', 'ORDER_REJECTED_CRITICAL'],
      { name: 'order-types' },
    );
    rejections.toPriorityLanes({ value: lanes, name: 'rejections-to-lanes' }); // → tm.lane.critical

    // filter + transform + stream–table join: notional of large fills at the latest market price
    const notional = fills
      .filter((f) => Number(f.payload.fillQuantity) >= 100, { name: 'large-fills' })
      .join(
        latestPrice,
        (f, p) => ({
          accountId: f.payload.accountId,
          notional:
            Number(f.payload.fillQuantity) * (isEvent(p, 'PRICE_UPDATE') ? Number(p.payload.last) : 0),
        }),
        { name: 'at-market', valueSerde: Serdes.json<{ accountId: string; notional: number }>() },
      );

    // aggregate per account (a repartition topic and a changelog-backed store, named after the stage)
    notional
      .groupBy((n) => n.accountId, { name: 'by-account', key: Serdes.string() })
      .aggregate(
        () => 0,
        (_account, n, total: number) => total + n.notional,
        { name: 'exposure', valueSerde: Serdes.json<number>() },
      )
      .toStream({ name: 'exposure-changes' })
      .to('tm.exposure', { name: 'exposure-out' });

    const plan = builder.build({ applicationId: 'tm-exposure' });
    // console.log(plan.describe());            // Kafka Streams-style text
    // new StreamsRuntime({ connection, plan })  // on Kafka: see "The runtime"
    // --- tour end

    expect(plan.describe()).toContain('Sub-topology: 0');
    expect(plan.internalTopics.map((t) => t.name).sort()).toEqual([
      'tm-exposure-by-account-repartition',
      'tm-exposure-exposure-store-changelog',
      'tm-exposure-prices-store-changelog',
    ]);

    const driver = new TopologyTestDriver(plan);
    const priceIn = driver.createInputTopic('tm.prices', Serdes.string(), prices);
    const orderIn = driver.createInputTopic('tm.orders', Serdes.string(), orders);
    const exposureOut = driver.createOutputTopic('tm.exposure', Serdes.string(), Serdes.json<number>());
    const criticalOut = driver.createOutputTopic(laneTopic('CRITICAL'), Serdes.string(), lanes);

    const tick = sampleEvent('PRICE_UPDATE', {
      header: { symbol: 'AAPL' },
      payload: { last: '200.00000000' },
    });
    priceIn.pipeInput('AAPL', tick);
    const fill = sampleEvent('ORDER_FILLED', {
      header: { symbol: 'AAPL' },
      payload: { accountId: 'ACC-1', fillQuantity: '150.00000000' },
    });
    orderIn.pipeInput('AAPL', fill);
    orderIn.pipeInput(
      'AAPL',
      sampleEvent('ORDER_FILLED', {
        header: { symbol: 'AAPL' },
        payload: { accountId: 'ACC-1', fillQuantity: '10.00000000' },
      }),
    );
    orderIn.pipeInput('AAPL', sampleEvent('ORDER_REJECTED_CRITICAL', { header: { symbol: 'AAPL' } }));

    expect(exposureOut.readKeyValuesToList()).toEqual([{ key: 'ACC-1', value: 30_000 }]);
    const critical = criticalOut.readValuesToList() as EventOf<'ORDER_REJECTED_CRITICAL'>[];
    expect(critical.map((e) => e.header.eventType)).toEqual(['ORDER_REJECTED_CRITICAL']);
    driver.close();
  });
});
