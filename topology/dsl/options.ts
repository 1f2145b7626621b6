// Options of the DSL calls. Every stage can be named; calls that change a key or value type can
// take the serde of the new type; stateful calls can name their store.

import type { RecordContext, Serde } from '../../core/record.js';
import type { EmitStrategy } from '../../processors/windows.js';
import type { PartitionerName } from '../partitioner.js';

/** Names a stage. */
export interface Named {
  /**
   * The stage name, validated at the call (letters, digits, `.`, `_`, `-`). Name stateful stages:
   * their store and internal topics are named after them.
   * @default `<OPERATION>-<counter>`, e.g. `FILTER-0000000003`
   * @example { name: 'enrich-fills' }
   */
  readonly name?: string;
}

/** How a topic is read. */
export interface Consumed<K, V> extends Named {
  /** @example Serdes.string() */
  readonly key: Serde<K>;
  /** @example await familySerde(registry, 'OrderEvent') */
  readonly value: Serde<V>;
  /**
   * How the topic's producers place keys on partitions; checked for joins (co-partitioning). The
   * build catalog's entry for the topic, when given, takes precedence.
   * @default 'murmur2_random' (Java client compatible)
   */
  readonly partitioner?: PartitionerName;
}

/** How a table is read and materialized. */
export interface TableOptions<K, V> extends Consumed<K, V> {
  /**
   * Name of the store holding the latest value per key.
   * @default `<stage name>-store`
   */
  readonly store?: string;
}

/**
 * The half of a serde a sink needs. A serde of a wider type fits (a lane topic's serde of every
 * event writes a stream of order events).
 */
export interface SinkSerde<T> {
  readonly name: string;
  serialize(value: T, ctx: RecordContext): Buffer;
}

/** Serdes of a sink. */
export interface Produced<K, V> extends Named {
  /** @default the stream's key serde */
  readonly key?: SinkSerde<K>;
  /**
   * @default the stream's value serde
   * @example { value: await createEventSerde(registry, { topic: laneTopic('CRITICAL') }) }
   */
  readonly value?: SinkSerde<V>;
}

/** A stage whose output value type is new. */
export interface ValueStage<V> extends Named {
  /**
   * Serde of the new value type, needed if a sink or repartition follows.
   * @default none (the value serde is unknown downstream)
   */
  readonly valueSerde?: Serde<V>;
}

/** A stage whose output key type is new. */
export interface KeyStage<K> extends Named {
  /** @default none (the key serde is unknown downstream) */
  readonly keySerde?: Serde<K>;
}

/** A stage whose output key and value types are new. */
export interface KeyValueStage<K, V> extends Named {
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
}

/** Serdes for the repartition topic grouping may need. */
export interface Grouped<K, V> extends Named {
  /** @default the stream's key serde */
  readonly key?: Serde<K>;
  /** @default the stream's value serde */
  readonly value?: Serde<V>;
}

/** Where an aggregation keeps its state. */
export interface Materialized<K, A> extends Named {
  /**
   * Store name; its changelog topic is `<applicationId>-<store>-changelog`.
   * @default `<stage name>-store`
   */
  readonly store?: string;
  /** Serde of the store's keys (changelog). @default the stream's key serde, else JSON */
  readonly keySerde?: Serde<K>;
  /** Serde of the aggregate (changelog and downstream). @default JSON (numbers for `count`) */
  readonly valueSerde?: Serde<A>;
}

/** A windowed aggregation's state and emission. */
export interface WindowedMaterialized<K, A> extends Materialized<K, A> {
  /**
   * `onWindowUpdate` emits every update; `onWindowClose` emits only the final result, once
   * (suppress until the window closes).
   * @default 'onWindowUpdate'
   */
  readonly emit?: EmitStrategy;
  /**
   * What closes windows: stream time only, or also the wall clock (a punctuation closes them when
   * no record arrives).
   * @default 'streamTime'
   */
  readonly closeBy?: 'streamTime' | 'wallClock';
}

/** A stream–stream join's stores and output serde. */
export interface StreamJoined<R> extends ValueStage<R> {
  /**
   * Prefix of the join's stores (`<prefix>-this-store`, `<prefix>-other-store`, and for left and
   * outer joins `<prefix>-outer-store`).
   * @default the stage name
   */
  readonly store?: string;
}
