// Windowed grouped streams: aggregations per key and time window (tumbling / hopping) or per key
// and session, in window / session stores named after the stage. Results are keyed by
// `Windowed<K>`; with `emit: 'onWindowClose'` only final results are emitted, and with
// `closeBy: 'wallClock'` windows also close on the task's clock when no record arrives.

import type { Serde } from '../../core/record.js';
import { sessionAggregate } from '../../processors/sessionAggregate.js';
import { jsonSerde } from '../../processors/stores/jsonSerde.js';
import type { Windowed } from '../../processors/stores/types.js';
import { windowedAggregate } from '../../processors/windowedAggregate.js';
import type { SessionWindows, TimeWindows } from '../../processors/windows.js';
import { windowedSerde } from '../serdes.js';
import { storeKeySerde } from './grouped.js';
import { anySerde, type BuilderState, type StreamShape } from './internals.js';
import { KTable } from './ktable.js';
import type { WindowedMaterialized } from './options.js';
import { addStoreStage } from './storeStage.js';

type Reducer<K, V> = (aggregate: V, value: V, key: K) => V;

/** Folds with `reducer`, treating `undefined` as "no value yet". */
function reducing<K, V>(reducer: Reducer<K, V>) {
  return {
    initializer: () => undefined as unknown as V,
    aggregator: (key: K, value: V, agg: V) => (agg === undefined ? value : reducer(agg, value, key)),
    merger: (key: K, a: V, b: V) => (a === undefined ? b : b === undefined ? a : reducer(a, b, key)),
  };
}

function windowedKeyShape<K, A>(
  shape: StreamShape<K, unknown>,
  node: StreamShape<K, unknown>['node'],
  valueSerde?: Serde<A>,
) {
  return {
    node,
    keySerde: shape.keySerde ? windowedSerde(shape.keySerde) : undefined,
    valueSerde,
    repartitionRequired: false,
    keyChangedAt: shape.keySerde ? undefined : node.name,
    valueChangedAt: valueSerde ? undefined : node.name,
  };
}

/** A grouped stream with tumbling or hopping windows. */
export class TimeWindowedKStream<K, V> {
  /** @internal use `groupByKey().windowedBy(TimeWindows…)` */
  constructor(
    private readonly state: BuilderState,
    private readonly shape: StreamShape<K, V>,
    private readonly windows: TimeWindows,
  ) {}

  /** Records per key and window. */
  count(options?: WindowedMaterialized<K, number>): KTable<Windowed<K>, number> {
    return this.aggregate(
      () => 0,
      (_k, _v, n) => n + 1,
      { ...options, valueSerde: options?.valueSerde ?? jsonSerde<number>() },
      'COUNT',
    );
  }

  /** Reduced value per key and window. */
  reduce(reducer: Reducer<K, V>, options?: WindowedMaterialized<K, V>): KTable<Windowed<K>, V> {
    const r = reducing(reducer);
    return this.aggregate(
      r.initializer,
      r.aggregator,
      { ...options, valueSerde: options?.valueSerde ?? this.shape.valueSerde },
      'REDUCE',
    );
  }

  /** Aggregate per key and window. */
  aggregate<A>(
    initializer: () => A,
    aggregator: (key: K, value: V, aggregate: A) => A,
    options?: WindowedMaterialized<K, A>,
    operation = 'AGGREGATE',
  ): KTable<Windowed<K>, A> {
    const { state, shape, windows } = this;
    const { node, storeName } = addStoreStage(state, shape, {
      prefix: `WINDOW-${operation}`,
      what: `windowed ${operation.toLowerCase()}`,
      options: options as WindowedMaterialized<unknown, unknown> | undefined,
      kind: 'window',
      keySerde: storeKeySerde(shape, options),
      valueSerde: anySerde(options?.valueSerde) ?? jsonSerde(),
      windowSizeMs: windows.sizeMs,
      operator: (stage, store, ctx) =>
        windowedAggregate<K, V, A>(stage, {
          store: ctx.stores.getWindowStore<K, A>(store),
          windows,
          initializer,
          aggregator,
          emit: options?.emit,
          wallClock: options?.closeBy === 'wallClock' ? ctx.clock : undefined,
        }),
    });
    return new KTable<Windowed<K>, A>(state, windowedKeyShape(shape, node, options?.valueSerde), storeName);
  }
}

/** A grouped stream with session windows. */
export class SessionWindowedKStream<K, V> {
  /** @internal use `groupByKey().windowedBy(SessionWindows…)` */
  constructor(
    private readonly state: BuilderState,
    private readonly shape: StreamShape<K, V>,
    private readonly windows: SessionWindows,
  ) {}

  /** Records per key and session. */
  count(options?: WindowedMaterialized<K, number>): KTable<Windowed<K>, number> {
    return this.aggregate(
      () => 0,
      (_k, _v, n) => n + 1,
      (_k, a, b) => a + b,
      { ...options, valueSerde: options?.valueSerde ?? jsonSerde<number>() },
      'COUNT',
    );
  }

  /** Reduced value per key and session. */
  reduce(reducer: Reducer<K, V>, options?: WindowedMaterialized<K, V>): KTable<Windowed<K>, V> {
    const r = reducing(reducer);
    return this.aggregate(
      r.initializer,
      r.aggregator,
      r.merger,
      {
        ...options,
        valueSerde: options?.valueSerde ?? this.shape.valueSerde,
      },
      'REDUCE',
    );
  }

  /** Aggregate per key and session; `merger` combines two sessions a record bridges. */
  aggregate<A>(
    initializer: () => A,
    aggregator: (key: K, value: V, aggregate: A) => A,
    merger: (key: K, left: A, right: A) => A,
    options?: WindowedMaterialized<K, A>,
    operation = 'AGGREGATE',
  ): KTable<Windowed<K>, A> {
    const { state, shape, windows } = this;
    const { node, storeName } = addStoreStage(state, shape, {
      prefix: `SESSION-${operation}`,
      what: `session ${operation.toLowerCase()}`,
      options: options as WindowedMaterialized<unknown, unknown> | undefined,
      kind: 'session',
      keySerde: storeKeySerde(shape, options),
      valueSerde: anySerde(options?.valueSerde) ?? jsonSerde(),
      operator: (stage, store, ctx) =>
        sessionAggregate<K, V, A>(stage, {
          store: ctx.stores.getSessionStore<K, A>(store),
          windows,
          initializer,
          aggregator,
          merger,
          emit: options?.emit,
          wallClock: options?.closeBy === 'wallClock' ? ctx.clock : undefined,
        }),
    });
    return new KTable<Windowed<K>, A>(state, windowedKeyShape(shape, node, options?.valueSerde), storeName);
  }
}
