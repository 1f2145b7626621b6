import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../../core/errors.js';
import {
  JoinWindows,
  Serdes,
  TimeWindows,
  TopologyBuilder,
  tradeMasterTopics,
} from '../../../topology/index.js';

interface Order {
  symbol: string;
  qty: number;
}
const key = Serdes.string();
const orderSerde = Serdes.json<Order>();

function orders(b = new TopologyBuilder(), topic = 'tm.orders') {
  return { b, s: b.stream(topic, { key, value: orderSerde }) };
}

/** The TopologyError `fn` throws (fails the test if it throws something else or nothing). */
function topologyError(fn: () => unknown): TopologyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyError);
    return e as TopologyError;
  }
  throw new Error('expected a TopologyError');
}

describe('validation at the DSL call', () => {
  it('refuses invalid explicit names', () => {
    const { s } = orders();
    expect(topologyError(() => s.filter(() => true, { name: 'big orders' })).message).toBe(
      "invalid name 'big orders' for filter: use only ASCII letters, digits, '.', '_' and '-' (names become parts of topic names)",
    );
    expect(topologyError(() => s.filter(() => true, { name: '' })).message).toBe(
      'invalid name for filter: a name must be a non-empty string',
    );
    expect(topologyError(() => s.groupByKey().count({ store: 'counts/1' })).message).toMatch(
      /^invalid name 'counts\/1' for store of COUNT-\d{10}:/,
    );
  });

  it('refuses unknown event types, duplicate branches, bad windows and bad timeouts', () => {
    const { s } = orders();
    expect(
      topologyError(() =>
        (s as never as { routeByEventType(t: string[]): void }).routeByEventType(['ORDER_EXPLODED']),
      ).message,
    ).toBe(
      "routeByEventType ROUTE-EVENT-TYPE-0000000001: 'ORDER_EXPLODED' is not an event type of the catalog",
    );
    expect(
      topologyError(() =>
        s
          .split({ name: 'size' })
          .branch('big', () => true)
          .branch('big', () => false)
          .noDefaultBranch(),
      ).message,
    ).toBe("split size: branch 'big' is defined twice");
    expect(topologyError(() => TimeWindows.ofSizeWithNoGrace(0)).message).toBe(
      'window size must be a positive number of ms, got 0',
    );
    expect(
      topologyError(() => s.correlate({ inactivityTimeoutMs: -5, complete: () => false, name: 'chains' }))
        .message,
    ).toBe('correlate chains: inactivityTimeoutMs must be a positive number of ms, got -5');
    expect(topologyError(() => s.where({ qty: { near: 5 } } as never)).message).toBe(
      "where: unknown operator 'near' on 'qty' (accepted: eq, ne, in, nin, gt, gte, lt, lte, exists, prefix)",
    );
    expect(topologyError(() => s.join(s, (a) => a, undefined as never)).message).toMatch(
      /^join JOIN-\d{10}: a stream–stream join needs JoinWindows/,
    );
  });
});

describe('validation at build()', () => {
  it('duplicate stage names', () => {
    const { b, s } = orders();
    s.filter(() => true, { name: 'keep' }).to('out');
    s.filterNot(() => true, { name: 'keep' }).to('out2');
    const e = topologyError(() => b.build({ applicationId: 'app' }));
    expect(e.message).toBe(
      "duplicate stage name 'keep': given to 2 stages; stage names must be unique (stage keep)",
    );
    expect(e.context.stage).toBe('keep');
  });

  it('duplicate store names', () => {
    const { b, s } = orders();
    s.groupByKey().count({ store: 'counts' });
    s.groupByKey().reduce((a) => a, { store: 'counts' });
    expect(topologyError(() => b.build({ applicationId: 'app' })).message).toBe(
      "duplicate store name 'counts': declared by COUNT-0000000002 and REDUCE-0000000004; store names must be unique (stage REDUCE-0000000004)",
    );
  });

  it('missing value serde at a sink after the value type changed', () => {
    const { b, s } = orders();
    s.mapValues((o) => o.qty, { name: 'qty-only' }).to('tm.quantities', { name: 'quantities-out' });
    expect(topologyError(() => b.build({ applicationId: 'app' })).message).toBe(
      "quantities-out writing to topic 'tm.quantities' has no value serde: the value type changed at qty-only; pass { value: serde } to to() (stage quantities-out)",
    );
  });

  it('missing key serde at a repartition after the key changed', () => {
    const { b, s } = orders();
    s.map((_k, o) => ({ key: o.qty, value: o }), { name: 'by-qty' })
      .groupByKey({ name: 'group-qty' })
      .count();
    expect(topologyError(() => b.build({ applicationId: 'app' })).message).toBe(
      "group-qty-repartition-sink writing to repartition topic 'group-qty-repartition' has no key serde: the key type changed at by-qty; pass { key: serde } to groupByKey() (and 1 more problem) (stage group-qty-repartition-sink)",
    );
  });

  it('missing serde at a source (JavaScript callers)', () => {
    const b = new TopologyBuilder();
    b.stream('tm.orders', { key, value: undefined as never, name: 'orders' }).to('out');
    expect(topologyError(() => b.build({ applicationId: 'app' })).message).toBe(
      "orders reading 'tm.orders' has no value serde; pass { value: serde } (and 1 more problem) (stage orders)",
    );
  });

  it('unknown topics in a strict catalog', () => {
    const { b, s } = orders(new TopologyBuilder(), 'tm.order');
    s.to('tm.lane.high');
    const catalog = tradeMasterTopics({ partitions: 6 });
    expect(topologyError(() => b.build({ applicationId: 'app', catalog })).message).toBe(
      "SOURCE-0000000000 reads unknown topic 'tm.order' (not in the build catalog) (stage SOURCE-0000000000)",
    );
    const { b: b2, s: s2 } = orders();
    s2.to('tm.lane.hihg', { name: 'typo-out' });
    expect(topologyError(() => b2.build({ applicationId: 'app', catalog })).message).toBe(
      "typo-out writes to unknown topic 'tm.lane.hihg' (not in the build catalog) (stage typo-out)",
    );
  });

  it('cycles through topics', () => {
    const b = new TopologyBuilder();
    b.stream('a', { key, value: orderSerde, name: 'read-a' })
      .filter(() => true, { name: 'f' })
      .to('b', { name: 'write-b' });
    b.stream('b', { key, value: orderSerde, name: 'read-b' }).to('a', { name: 'write-a' });
    expect(topologyError(() => b.build({ applicationId: 'app' })).message).toBe(
      "cycle: read-a → f → write-b → topic 'b' → read-b → write-a → topic 'a' → read-a; a topology must not feed its own input (stage read-a)",
    );
  });

  it('co-partitioning: partition counts', () => {
    const b = new TopologyBuilder();
    const prices = b.table('tm.prices', { key, value: Serdes.json<number>(), name: 'prices' });
    b.stream('tm.orders', { key, value: orderSerde }).join(prices, (o, p) => o.qty * p, { name: 'enrich' });
    const catalog = { 'tm.orders': { partitions: 6 }, 'tm.prices': { partitions: 3 } };
    expect(topologyError(() => b.build({ applicationId: 'app', catalog })).message).toBe(
      "co-partitioning mismatch at enrich: 'tm.orders' has 6, 'tm.prices' has 3 partitions; the topics joined must have the same number of partitions (stage enrich)",
    );
    expect(() =>
      b.build({ applicationId: 'app', catalog: { ...catalog, 'tm.prices': { partitions: 6 } } }),
    ).not.toThrow();
  });

  it('co-partitioning: partitioners', () => {
    const b = new TopologyBuilder();
    const fills = b.stream('tm.fills', { key, value: orderSerde, partitioner: 'consistent_random' });
    b.stream('tm.orders', { key, value: orderSerde }).join(
      fills,
      (o) => o,
      JoinWindows.ofTimeDifferenceWithNoGrace(1000),
      { name: 'match' },
    );
    expect(topologyError(() => b.build({ applicationId: 'app' })).message).toBe(
      "co-partitioning mismatch at match: 'tm.orders' uses murmur2_random, 'tm.fills' uses consistent_random; the topics joined must place keys with the same hash (use murmur2_random, the Java-compatible default) (stage match)",
    );
    // the catalog's partitioner wins over the stream option
    expect(() =>
      b.build({
        applicationId: 'app',
        catalog: { 'tm.orders': { partitions: 2 }, 'tm.fills': { partitions: 2, partitioner: 'murmur2' } },
      }),
    ).not.toThrow();
  });

  it('explicit state names when required', () => {
    const { b, s } = orders();
    s.groupBy((o) => o.symbol, { key }).count({ name: 'per-symbol' });
    expect(() => b.build({ applicationId: 'app' })).not.toThrow();
    expect(
      topologyError(() => b.build({ applicationId: 'app', requireExplicitStateNames: true })).message,
    ).toBe(
      "repartition topic 'GROUPBY-0000000001-repartition' has a generated name; name the grouping, join or correlate stage (requireExplicitStateNames) (stage GROUPBY-0000000001-repartition-sink)",
    );
  });

  it('an invalid application id and an empty topology', () => {
    expect(topologyError(() => new TopologyBuilder().build({ applicationId: 'tm risk' })).message).toMatch(
      /^invalid name 'tm risk' for applicationId/,
    );
    expect(topologyError(() => new TopologyBuilder().build({ applicationId: 'tm-risk' })).message).toBe(
      'the topology is empty: add a stream() or table() before build()',
    );
  });

  it('reports how many more problems there are', () => {
    const { b, s } = orders();
    s.mapValues((o) => o.qty).to('x');
    s.mapValues((o) => o.qty).to('y');
    const e = topologyError(() => b.build({ applicationId: 'app' }));
    expect(e.message).toMatch(/\(and 1 more problem\) \(stage SINK-0000000002\)$/);
    expect(e.context.issues).toHaveLength(2);
  });
});
