// The state-store contract shared by processors, the compiled tasks, the test driver and the
// Kafka runtime. Stores live in memory or in LMDB (`lmdbStoreProvider`), one set per task; every write is reported to change
// listeners as bytes (so the runtime can append it to the store's compacted changelog topic) and
// `restore` replays such bytes back without notifying anyone.

import type { Serde } from '../../core/record.js';

/** Receives every write of a store as changelog bytes; `valueBytes === null` is a tombstone. */
export type ChangeListener = (keyBytes: Buffer, valueBytes: Buffer | null) => void;

/** A key and its value, as stores and `flatMap` hand them out. */
export interface KeyValue<K, V> {
  readonly key: K;
  readonly value: V;
}

/** A time window: `start` inclusive, `end` exclusive for time windows, inclusive for sessions. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** The key of a windowed aggregation result: the record key and the window it belongs to. */
export interface Windowed<K> {
  readonly key: K;
  readonly window: TimeWindow;
}

/** Operations every store has: a name, a change hook for the changelog, and replay. */
export interface StateStore {
  readonly name: string;
  /** Subscribes to writes; returns an unsubscribe function. */
  onChange(listener: ChangeListener): () => void;
  /** Applies one changelog record without notifying change listeners. */
  restore(keyBytes: Buffer, valueBytes: Buffer | null): void;
  /** Number of entries held. */
  readonly size: number;
}

/** A key-value store. Iteration order is the byte order of serialized keys, like Kafka's stores. */
export interface KeyValueStore<K, V> extends StateStore {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  /** Removes the key and returns the value it had. */
  delete(key: K): V | undefined;
  /** Every entry, ordered by serialized key bytes. */
  all(): KeyValue<K, V>[];
  /** Entries whose serialized key lies in `[from, to]` (inclusive), ordered by key bytes. */
  range(from: K, to: K): KeyValue<K, V>[];
}

/**
 * A store of values per (key, window start); windows have a fixed size. A store that retains
 * duplicates (`StoreDefinition.retainDuplicates`, as stream–stream joins use) keeps every value put
 * under the same (key, start), in put order, each as its own entry and changelog record.
 */
export interface WindowStore<K, V> extends StateStore {
  readonly windowSizeMs: number;
  /** Sets the value of (key, start); with duplicates retained, adds one more value instead. */
  put(key: K, windowStart: number, value: V): void;
  /** The value of (key, start); with duplicates retained, the first one put. */
  fetch(key: K, windowStart: number): V | undefined;
  /** Removes (key, start) — every duplicate of it. */
  delete(key: K, windowStart: number): void;
  /** Windows of `key` whose start lies in `[fromStart, toStart]`, ordered by start (then put order). */
  fetchRange(key: K, fromStart: number, toStart: number): KeyValue<Windowed<K>, V>[];
  /** Every window, ordered by key bytes then start. */
  all(): KeyValue<Windowed<K>, V>[];
  /** Removes every window starting before `horizon` (retention); returns how many entries went. */
  deleteBefore(horizon: number): number;
}

/** A store of session windows per key; sessions have variable bounds. */
export interface SessionStore<K, V> extends StateStore {
  /** Sessions of `key` with `end >= earliestEnd` and `start <= latestStart`, ordered by start. */
  findSessions(key: K, earliestEnd: number, latestStart: number): KeyValue<Windowed<K>, V>[];
  put(key: K, window: TimeWindow, value: V): void;
  remove(key: K, window: TimeWindow): void;
  /** Every session, ordered by key bytes then end. */
  all(): KeyValue<Windowed<K>, V>[];
}

/** The kinds of store a topology declares. */
export type StoreKind = 'keyValue' | 'window' | 'session';

/**
 * What a store is: its name, kind, serdes for its changelog bytes, and (window stores) its size.
 * Produced by `build()`; consumed by store providers.
 */
export interface StoreDefinition {
  readonly name: string;
  readonly kind: StoreKind;
  readonly keySerde: Serde<unknown>;
  readonly valueSerde: Serde<unknown>;
  /** Window stores only: the fixed window size, ms. */
  readonly windowSizeMs?: number;
  /**
   * Window stores only: keep every value put under the same (key, start) instead of replacing it.
   * Changelog keys then end with a 4-byte sequence number after the start (Kafka's layout).
   * @default false
   */
  readonly retainDuplicates?: boolean;
}

/** Hands a task its stores by name. One provider per task; the same instance for the task's life. */
export interface StoreProvider {
  getKeyValueStore<K, V>(name: string): KeyValueStore<K, V>;
  getWindowStore<K, V>(name: string): WindowStore<K, V>;
  getSessionStore<K, V>(name: string): SessionStore<K, V>;
  /** Any store by name, to hook its changelog or restore it. Throws `STORE_FAILED` if unknown. */
  getStore(name: string): StateStore;
}
