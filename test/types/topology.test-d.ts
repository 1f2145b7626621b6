import { describe, expectTypeOf, it } from 'vitest';
import type { Serde } from '../../core/record.js';
import type { CorrelatedChain } from '../../processors/correlate.js';
import type { Windowed } from '../../processors/stores/types.js';
import type { EventOf, FamilyValue } from '../../schemas/events.js';
import {
  type KGroupedStream,
  type KStream,
  type KTable,
  Serdes,
  TimeWindows,
  TopologyBuilder,
} from '../../topology/index.js';

declare const orderSerde: Serde<FamilyValue<'OrderEvent'>>;
declare const priceSerde: Serde<FamilyValue<'MarketDataEvent'>>;

type OrderEvent = FamilyValue<'OrderEvent'>;

describe('type inference through the DSL', () => {
  const builder = new TopologyBuilder();
  const orders = builder.familyStream('OrderEvent', { key: Serdes.string(), value: orderSerde });

  it('types a family stream from the catalog', () => {
    expectTypeOf(orders).toEqualTypeOf<KStream<string, OrderEvent>>();
    expectTypeOf(
      builder.stream('t', { key: Serdes.string(), value: Serdes.json<{ n: number }>() }),
    ).toEqualTypeOf<KStream<string, { n: number }>>();
  });

  it('flows key and value types through stateless stages', () => {
    const qty = orders.mapValues((o) => o.header.symbol.length);
    expectTypeOf(qty).toEqualTypeOf<KStream<string, number>>();
    const rekeyed = orders.selectKey((o) => o.header.eventId.length > 3);
    expectTypeOf(rekeyed).toEqualTypeOf<KStream<boolean, OrderEvent>>();
    const mapped = orders.map((k, o) => ({ key: o.header.version, value: k }));
    expectTypeOf(mapped).toEqualTypeOf<KStream<number, string>>();
    expectTypeOf(orders.flatMapValues((o) => [o, o])).toEqualTypeOf<KStream<string, OrderEvent>>();
  });

  it('narrows with a type-guard filter and by event type', () => {
    const fills = orders.filter((o): o is EventOf<'ORDER_FILLED'> => o.header.eventType === 'ORDER_FILLED');
    expectTypeOf(fills).toEqualTypeOf<KStream<string, EventOf<'ORDER_FILLED'>>>();
    fills.mapValues((f) => f.payload.fillPrice);

    const { ORDER_PLACED, other } = orders.routeByEventType(['ORDER_PLACED']);
    expectTypeOf(ORDER_PLACED).toEqualTypeOf<KStream<string, EventOf<'ORDER_PLACED'>>>();
    expectTypeOf(other).toEqualTypeOf<KStream<string, OrderEvent>>();
    ORDER_PLACED.mapValues((o) => o.payload.limitPrice);
    // @ts-expect-error an order placement has no fill price
    ORDER_PLACED.mapValues((o) => o.payload.fillPrice);
    // @ts-expect-error PRICE_UPDATE is not an order event type
    orders.routeByEventType(['PRICE_UPDATE']);
  });

  it('types named branches', () => {
    const branches = orders
      .split()
      .branch('fills', (o): o is EventOf<'ORDER_FILLED'> => o.header.eventType === 'ORDER_FILLED')
      .branch('big', (o) => o.header.version > 1)
      .defaultBranch('rest');
    expectTypeOf(branches.fills).toEqualTypeOf<KStream<string, EventOf<'ORDER_FILLED'>>>();
    expectTypeOf(branches.big).toEqualTypeOf<KStream<string, OrderEvent>>();
    expectTypeOf(branches.rest).toEqualTypeOf<KStream<string, OrderEvent>>();
    // @ts-expect-error no such branch
    branches.missing;
  });

  it('rejects wrong field access on a typed stream', () => {
    // @ts-expect-error OrderEvent has no `price` field
    orders.filter((o) => o.price > 100);
    // @ts-expect-error the header has no `accountId` (orders are keyed by symbol)
    orders.mapValues((o) => o.header.accountId);
    // @ts-expect-error the where-clause path does not exist
    orders.where({ 'payload.nope': 1 });
    // @ts-expect-error the where-clause operand has the wrong type
    orders.where({ 'header.version': { gte: 'one' } });
    orders.where({ 'header.symbol': { in: ['AAPL'] }, 'header.version': { gte: 1 } });
  });

  it('types grouping, aggregation, windows, joins and correlation', () => {
    const grouped = orders.groupBy((o) => o.header.correlationId);
    expectTypeOf(grouped).toEqualTypeOf<KGroupedStream<string, OrderEvent>>();
    expectTypeOf(grouped.count()).toEqualTypeOf<KTable<string, number>>();
    const agg = grouped.aggregate(
      () => ({ n: 0 }),
      (_k, _o, a) => ({ n: a.n + 1 }),
    );
    expectTypeOf(agg).toEqualTypeOf<KTable<string, { n: number }>>();
    const windowed = orders.groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(1000)).count();
    expectTypeOf(windowed).toEqualTypeOf<KTable<Windowed<string>, number>>();

    const prices = builder.table('tm.prices', { key: Serdes.string(), value: priceSerde });
    const enriched = orders.join(prices, (o, p) => ({ symbol: o.header.symbol, venue: p.header.source }));
    expectTypeOf(enriched).toEqualTypeOf<KStream<string, { symbol: string; venue: string }>>();
    const left = orders.leftJoin(prices, (_o, p) => p?.header.eventId);
    expectTypeOf(left).toEqualTypeOf<KStream<string, string | undefined>>();
    // @ts-expect-error a table keyed by number cannot join a stream keyed by string
    orders.join(builder.table('t', { key: Serdes.json<number>(), value: priceSerde }), (o) => o);

    const chains = orders.correlate({ inactivityTimeoutMs: 1000, complete: (events) => events.length > 2 });
    expectTypeOf(chains).toEqualTypeOf<KStream<string, CorrelatedChain<OrderEvent>>>();
  });

  it('checks sink serdes against the stream type', () => {
    orders.to('tm.copy', { value: orderSerde });
    // @ts-expect-error a price serde cannot write orders
    orders.to('tm.copy', { value: priceSerde });
  });
});
