// `KStream`: a record stream handle. Every call adds one typed node to the builder's graph and
// returns a new handle; nothing runs until `build()` compiles the graph and a runner creates
// tasks. Key and value types flow from the typed source through every call.

import type { OperatorFunction } from 'rxjs';
import type { CorrelatedChain } from '../../processors/correlate.js';
import { filter as filterOp } from '../../processors/filter.js';
import { filterNot as filterNotOp } from '../../processors/filterNot.js';
import { flatMap as flatMapOp } from '../../processors/flatMap.js';
import { flatMapValues as flatMapValuesOp } from '../../processors/flatMapValues.js';
import { map as mapOp } from '../../processors/map.js';
import { mapValues as mapValuesOp } from '../../processors/mapValues.js';
import { peek as peekOp } from '../../processors/peek.js';
import type { StreamRecord } from '../../processors/record.js';
import { selectKey as selectKeyOp } from '../../processors/selectKey.js';
import type { KeyValue } from '../../processors/stores/types.js';
import { type Transformer, transform as transformOp } from '../../processors/transform.js';
import { compileWhere, type Where } from '../../processors/where.js';
import type { JoinWindows } from '../../processors/windows.js';
import type { Priority } from '../../schemas/catalog.js';
import { type CorrelateStageOptions, correlateStage } from './correlateStage.js';
import { groupByKeyStage, groupByStage, type KGroupedStream } from './grouped.js';
import { type BuilderState, internals, type StreamShape } from './internals.js';
import { streamStreamJoinStage, streamTableJoinStage } from './joins.js';
import type { KTable } from './ktable.js';
import type {
  Grouped,
  KeyStage,
  KeyValueStage,
  Named,
  Produced,
  StreamJoined,
  ValueStage,
} from './options.js';
import {
  BranchedKStream,
  type EventTypeOfValue,
  type RoutedByEventType,
  routeByEventTypeStage,
  routeByPriorityStage,
  toPriorityLanesStage,
} from './routing.js';
import { addSink, addStage, mergeStage, type PipeOptions, pipeStage } from './stages.js';

type Op<A, B> = OperatorFunction<A, B>;
type Rec<K, V> = StreamRecord<K, V>;

/**
 * A stream of records with keys `K` and values `V`.
 *
 * @example
 * builder
 *   .stream('tm.orders', { key: Serdes.string(), value: orderSerde })
 *   .filter((o) => o.payload.quantity > 0)
 *   .mapValues((o) => o.payload)
 *   .to('tm.order-payloads', { value: payloadSerde });
 */
export class KStream<K, V> {
  /** @internal */
  readonly [internals]: { readonly state: BuilderState; readonly shape: StreamShape<K, V> };

  /** @internal Created by the builder and by other handles, never directly. */
  constructor(state: BuilderState, shape: StreamShape<K, V>) {
    this[internals] = { state, shape };
  }

  /** Keeps records whose value (and key) satisfy the predicate; a type guard narrows `V`. */
  filter<S extends V>(predicate: (value: V, key: K) => value is S, options?: Named): KStream<K, S>;
  filter(predicate: (value: V, key: K) => boolean, options?: Named): KStream<K, V>;
  filter(predicate: (value: V, key: K) => boolean, options?: Named): KStream<K, V> {
    return addStage(this, 'FILTER', 'filter', options, (stage) => filterOp<K, V>(stage, predicate), {});
  }

  /** Drops records whose value (and key) satisfy the predicate. */
  filterNot(predicate: (value: V, key: K) => boolean, options?: Named): KStream<K, V> {
    return addStage(
      this,
      'FILTER-NOT',
      'filterNot',
      options,
      (stage) => filterNotOp<K, V>(stage, predicate),
      {},
    );
  }

  /**
   * Content-based filter: keeps records matching a subscriber's where-clause (compiled now, so a
   * bad operator fails at this call).
   *
   * @example
   * orders.where({ 'payload.symbol': { in: ['AAPL', 'MSFT'] }, 'payload.quantity': { gte: 100 } })
   */
  where(clause: Where<V>, options?: Named): KStream<K, V> {
    const matches = compileWhere(clause);
    return addStage(this, 'WHERE', 'where', options, (stage) => filterOp<K, V>(stage, (v) => matches(v)), {});
  }

  /** New key and value; the stream will be repartitioned before key-based stateful stages. */
  map<K2, V2>(
    mapper: (key: K, value: V) => KeyValue<K2, V2>,
    options?: KeyValueStage<K2, V2>,
  ): KStream<K2, V2> {
    return addStage(this, 'MAP', 'map', options, (stage) => mapOp(stage, mapper), {
      keySerde: options?.keySerde,
      valueSerde: options?.valueSerde,
      repartitionRequired: true,
    });
  }

  /** New value, same key (no repartitioning needed). */
  mapValues<V2>(mapper: (value: V, key: K) => V2, options?: ValueStage<V2>): KStream<K, V2> {
    return addStage(this, 'MAPVALUES', 'mapValues', options, (stage) => mapValuesOp(stage, mapper), {
      valueSerde: options?.valueSerde,
    });
  }

  /** Zero or more records per record, each with a new key and value. */
  flatMap<K2, V2>(
    mapper: (key: K, value: V) => Iterable<KeyValue<K2, V2>>,
    options?: KeyValueStage<K2, V2>,
  ): KStream<K2, V2> {
    return addStage(this, 'FLATMAP', 'flatMap', options, (stage) => flatMapOp(stage, mapper), {
      keySerde: options?.keySerde,
      valueSerde: options?.valueSerde,
      repartitionRequired: true,
    });
  }

  /** Zero or more values per record, same key. */
  flatMapValues<V2>(mapper: (value: V, key: K) => Iterable<V2>, options?: ValueStage<V2>): KStream<K, V2> {
    return addStage(
      this,
      'FLATMAPVALUES',
      'flatMapValues',
      options,
      (stage) => flatMapValuesOp(stage, mapper),
      {
        valueSerde: options?.valueSerde,
      },
    );
  }

  /** A new key derived from the record; the stream will be repartitioned before stateful stages. */
  selectKey<K2>(selector: (value: V, key: K) => K2, options?: KeyStage<K2>): KStream<K2, V> {
    return addStage(this, 'KEY-SELECT', 'selectKey', options, (stage) => selectKeyOp(stage, selector), {
      keySerde: options?.keySerde,
      repartitionRequired: true,
    });
  }

  /** Runs a side effect per record and passes it on. */
  peek(action: (value: V, key: K) => void, options?: Named): KStream<K, V> {
    return addStage(this, 'PEEK', 'peek', options, (stage) => peekOp<K, V>(stage, action), {});
  }

  /**
   * Format transformation: converts each value into another service's schema (return null to
   * drop). Give the target serde so a sink can write it.
   *
   * @example
   * fills.transform((e) => toPositionUpdate(e), { valueSerde: portfolioSerde })
   */
  transform<V2>(transformer: Transformer<K, V, V2>, options?: ValueStage<V2>): KStream<K, V2> {
    return addStage(this, 'TRANSFORM', 'transform', options, (stage) => transformOp(stage, transformer), {
      valueSerde: options?.valueSerde,
    });
  }

  /**
   * Escape hatch: any RxJS operators over the records. They must keep per-partition order and
   * emit synchronously for outputs to belong to the record that caused them (asynchronous
   * emissions are delivered as punctuations).
   *
   * @example
   * prices.pipe(distinctUntilChanged((a, b) => a.value.payload.price === b.value.payload.price))
   */
  pipe<A>(op1: Op<Rec<K, V>, A>, options?: PipeOptions): PipedStream<A>;
  pipe<A, B>(op1: Op<Rec<K, V>, A>, op2: Op<A, B>, options?: PipeOptions): PipedStream<B>;
  pipe<A, B, C>(op1: Op<Rec<K, V>, A>, op2: Op<A, B>, op3: Op<B, C>, options?: PipeOptions): PipedStream<C>;
  pipe<A, B, C, D>(
    op1: Op<Rec<K, V>, A>,
    op2: Op<A, B>,
    op3: Op<B, C>,
    op4: Op<C, D>,
    options?: PipeOptions,
  ): PipedStream<D>;
  pipe(...args: unknown[]): unknown {
    return pipeStage(this as KStream<unknown, unknown>, args);
  }

  /** Records of both streams, interleaved in arrival order. */
  merge(other: KStream<K, V>, options?: Named): KStream<K, V> {
    return mergeStage(this, other, options);
  }

  /**
   * Content routing into named branches: a record goes to the first branch whose predicate holds.
   *
   * @example
   * const { large, small } = orders.split()
   *   .branch('large', (o) => o.payload.quantity >= 10_000)
   *   .defaultBranch('small');
   */
  split(options?: Named): BranchedKStream<K, V, {}> {
    return new BranchedKStream<K, V, {}>(this, options);
  }

  /**
   * Routing by event type: one branch per listed type (value narrowed to it) plus `other`.
   *
   * @example
   * const { ORDER_FILLED, other } = orders.routeByEventType(['ORDER_FILLED']);
   */
  routeByEventType<const T extends EventTypeOfValue<V>>(
    types: readonly T[],
    options?: Named,
  ): RoutedByEventType<K, V, T> {
    return routeByEventTypeStage(this, types, options);
  }

  /** Routing by priority lane (catalog `priorityOf` of each event's type): one branch per lane. */
  routeByPriority(options?: Named): Record<Priority, KStream<K, V>> {
    return routeByPriorityStage(this, options);
  }

  /** Writes each event to its priority lane topic (`laneTopic(priorityOf(eventType))`). */
  toPriorityLanes(options?: Produced<K, V>): void {
    toPriorityLanesStage(this, options);
  }

  /** Writes the stream to `topic`. */
  to(topic: string, options?: Produced<K, V>): void {
    addSink(this, topic, options);
  }

  /** Groups by the current key (repartitioning first if the key changed). */
  groupByKey(options?: Grouped<K, V>): KGroupedStream<K, V> {
    return groupByKeyStage(this, options);
  }

  /** Groups by a new key: re-keys, then repartitions through `<app>-<NAME>-repartition`. */
  groupBy<K2>(selector: (value: V, key: K) => K2, options?: Grouped<K2, V>): KGroupedStream<K2, V> {
    return groupByStage(this, selector, options);
  }

  /** Stream–table join (inner): enriches each record with the table's value for its key. */
  join<T, R>(
    table: KTable<K, T>,
    joiner: (value: V, tableValue: T, key: K) => R,
    options?: ValueStage<R>,
  ): KStream<K, R>;
  /** Windowed stream–stream join (inner) by key. */
  join<W, R>(
    other: KStream<K, W>,
    joiner: (value: V, otherValue: W, key: K) => R,
    windows: JoinWindows,
    options?: StreamJoined<R>,
  ): KStream<K, R>;
  join(other: unknown, joiner: unknown, third?: unknown, fourth?: unknown): unknown {
    if (other instanceof KStream) {
      return streamStreamJoinStage(
        this,
        other,
        joiner as never,
        third as JoinWindows,
        fourth as StreamJoined<unknown>,
      );
    }
    return streamTableJoinStage(
      this,
      other as KTable<K, unknown>,
      joiner as never,
      third as ValueStage<unknown>,
      false,
    );
  }

  /** Stream–table left join: records whose key is not in the table get `undefined`. */
  leftJoin<T, R>(
    table: KTable<K, T>,
    joiner: (value: V, tableValue: T | undefined, key: K) => R,
    options?: ValueStage<R>,
  ): KStream<K, R>;
  /**
   * Windowed stream–stream left join by key: every pair within the window, like `join`, and each
   * record of this stream that found no partner once its window closed (stream time past its
   * window end plus grace), with `null` for the other value. Stores: `<prefix>-this-store`,
   * `<prefix>-other-store` and `<prefix>-outer-store` (unmatched records).
   *
   * @example
   * orders.leftJoin(fills, (o, f) => ({ id: o.id, filled: f !== null }), JoinWindows.ofTimeDifferenceAndGrace(5_000, 1_000))
   */
  leftJoin<W, R>(
    other: KStream<K, W>,
    joiner: (value: V, otherValue: W | null, key: K) => R,
    windows: JoinWindows,
    options?: StreamJoined<R>,
  ): KStream<K, R>;
  leftJoin(other: unknown, joiner: unknown, third?: unknown, fourth?: unknown): unknown {
    if (other instanceof KStream) {
      return streamStreamJoinStage(
        this,
        other,
        joiner as never,
        third as JoinWindows,
        fourth as StreamJoined<unknown>,
        'left',
      );
    }
    return streamTableJoinStage(
      this,
      other as KTable<K, unknown>,
      joiner as never,
      third as ValueStage<unknown>,
      true,
    );
  }

  /**
   * Windowed stream–stream outer join by key: every pair within the window, and each record of
   * either stream that found no partner once its window closed, with `null` for the missing side.
   *
   * @example
   * orders.outerJoin(fills, (o, f) => ({ order: o?.id ?? null, fill: f?.id ?? null }), JoinWindows.ofTimeDifferenceWithNoGrace(5_000))
   */
  outerJoin<W, R>(
    other: KStream<K, W>,
    joiner: (value: V | null, otherValue: W | null, key: K) => R,
    windows: JoinWindows,
    options?: StreamJoined<R>,
  ): KStream<K, R> {
    return streamStreamJoinStage(this, other, joiner, windows, options, 'outer');
  }

  /**
   * Links events by correlation id into chains; a chain is emitted when `complete` holds or after
   * `inactivityTimeoutMs` of wall-clock time without a new event.
   *
   * @example
   * events.correlate({
   *   inactivityTimeoutMs: 30_000,
   *   complete: (chain) => chain.some((e) => e.header.eventType === 'PNL_CHANGE'),
   * })
   */
  correlate(options: CorrelateStageOptions<V>): KStream<string, CorrelatedChain<V>> {
    return correlateStage(this, options);
  }
}

/** The stream `pipe` returns: `A` must be a `StreamRecord`. */
export type PipedStream<A> = A extends StreamRecord<infer K2, infer V2> ? KStream<K2, V2> : never;
