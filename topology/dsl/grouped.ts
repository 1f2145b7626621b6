// `KGroupedStream`: a stream grouped by key, partitioned so equal keys meet in one task. Its
// aggregations keep their state in a named key-value store and return the result as a `KTable`;
// `windowedBy` adds time or session windows.

import type { Serde } from '../../core/record.js';
import { aggregate as aggregateOp } from '../../processors/aggregate.js';
import { count as countOp } from '../../processors/count.js';
import { reduce as reduceOp } from '../../processors/reduce.js';
import { jsonSerde } from '../../processors/stores/jsonSerde.js';
import { SessionWindows, TimeWindows } from '../../processors/windows.js';
import { anySerde, type BuilderState, internals, type StreamShape } from './internals.js';
import type { KStream } from './kstream.js';
import { KTable } from './ktable.js';
import type { Grouped, Materialized } from './options.js';
import { repartition } from './repartition.js';
import { addStoreStage } from './storeStage.js';
import { SessionWindowedKStream, TimeWindowedKStream } from './windowed.js';

/**
 * Records grouped by key, ready to aggregate.
 *
 * @example
 * orders.groupBy((o) => o.payload.accountId, { key: Serdes.string() }).count({ name: 'orders-per-account' })
 */
export class KGroupedStream<K, V> {
  /** @internal */
  readonly [internals]: { readonly state: BuilderState; readonly shape: StreamShape<K, V> };

  /** @internal use `groupByKey()` / `groupBy()` */
  constructor(state: BuilderState, shape: StreamShape<K, V>) {
    this[internals] = { state, shape };
  }

  /** Number of records per key. */
  count(options?: Materialized<K, number>): KTable<K, number> {
    const { state, shape } = this[internals];
    const valueSerde = options?.valueSerde ?? jsonSerde<number>();
    const { node, storeName } = addStoreStage(state, shape, {
      prefix: 'COUNT',
      what: 'count',
      options: options as Materialized<unknown, unknown> | undefined,
      kind: 'keyValue',
      keySerde: storeKeySerde(shape, options),
      valueSerde: anySerde(valueSerde) as Serde<unknown>,
      operator: (stage, store, ctx) =>
        countOp<K, V>(stage, { store: ctx.stores.getKeyValueStore<K, number>(store) }),
    });
    return new KTable(state, { ...shape, node, valueSerde, valueChangedAt: undefined }, storeName);
  }

  /** Combines the values of each key with `reducer` (the first value is kept as is). */
  reduce(reducer: (aggregate: V, value: V, key: K) => V, options?: Materialized<K, V>): KTable<K, V> {
    const { state, shape } = this[internals];
    const valueSerde = options?.valueSerde ?? shape.valueSerde;
    const { node, storeName } = addStoreStage(state, shape, {
      prefix: 'REDUCE',
      what: 'reduce',
      options: options as Materialized<unknown, unknown> | undefined,
      kind: 'keyValue',
      keySerde: storeKeySerde(shape, options),
      valueSerde: anySerde(valueSerde) ?? jsonSerde(),
      operator: (stage, store, ctx) =>
        reduceOp<K, V>(stage, { store: ctx.stores.getKeyValueStore<K, V>(store), reducer }),
    });
    return new KTable(state, { ...shape, node, valueSerde }, storeName);
  }

  /** Folds the values of each key into an aggregate starting from `initializer()`. */
  aggregate<A>(
    initializer: () => A,
    aggregator: (key: K, value: V, aggregate: A) => A,
    options?: Materialized<K, A>,
  ): KTable<K, A> {
    const { state, shape } = this[internals];
    const { node, storeName } = addStoreStage(state, shape, {
      prefix: 'AGGREGATE',
      what: 'aggregate',
      options: options as Materialized<unknown, unknown> | undefined,
      kind: 'keyValue',
      keySerde: storeKeySerde(shape, options),
      valueSerde: anySerde(options?.valueSerde) ?? jsonSerde(),
      operator: (stage, store, ctx) =>
        aggregateOp<K, V, A>(stage, {
          store: ctx.stores.getKeyValueStore<K, A>(store),
          initializer,
          aggregator,
        }),
    });
    return new KTable<K, A>(
      state,
      {
        ...shape,
        node,
        valueSerde: options?.valueSerde,
        valueChangedAt: options?.valueSerde ? undefined : node.name,
      },
      storeName,
    );
  }

  /** Tumbling or hopping time windows per key. */
  windowedBy(windows: TimeWindows): TimeWindowedKStream<K, V>;
  /** Session windows per key. */
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>;
  windowedBy(
    windows: TimeWindows | SessionWindows,
  ): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> {
    const { state, shape } = this[internals];
    if (windows instanceof TimeWindows) return new TimeWindowedKStream(state, shape, windows);
    if (windows instanceof SessionWindows) return new SessionWindowedKStream(state, shape, windows);
    throw new TypeError('windowedBy() takes TimeWindows or SessionWindows');
  }
}

/** `KStream.groupByKey`: repartitions first if the key changed since the last partitioning. */
export function groupByKeyStage<K, V>(
  stream: KStream<K, V>,
  options: Grouped<K, V> | undefined,
): KGroupedStream<K, V> {
  const { state, shape } = stream[internals];
  const base = state.names.next('GROUPBY', options?.name, 'groupByKey');
  const grouped = shape.repartitionRequired
    ? repartition(state, shape, base, { key: options?.key, value: options?.value }, 'groupByKey()')
    : { ...shape, keySerde: options?.key ?? shape.keySerde, valueSerde: options?.value ?? shape.valueSerde };
  return new KGroupedStream(state, grouped);
}

/** `KStream.groupBy`: re-keys, then repartitions through `<app>-<NAME>-repartition`. */
export function groupByStage<K, V, K2>(
  stream: KStream<K, V>,
  selector: (value: V, key: K) => K2,
  options: Grouped<K2, V> | undefined,
): KGroupedStream<K2, V> {
  const { state } = stream[internals];
  const base = state.names.next('GROUPBY', options?.name, 'groupBy');
  const keyed = stream.selectKey(selector, { name: `${base}-key-select`, keySerde: options?.key });
  return new KGroupedStream(
    state,
    repartition(state, keyed[internals].shape, base, { value: options?.value }, 'groupBy()'),
  );
}

/** The store's key serde: given, else the stream's, else JSON. */
export function storeKeySerde<K>(
  shape: StreamShape<K, unknown>,
  options: { keySerde?: Serde<K> } | undefined,
): Serde<unknown> {
  return anySerde(options?.keySerde ?? shape.keySerde) ?? jsonSerde();
}
