// Read-only views over one store name across every task of the driver (one store instance per
// partition), so tests query state the way they would query a single Kafka Streams store.

import type {
  KeyValue,
  KeyValueStore,
  SessionStore,
  Windowed,
  WindowStore,
} from '../../processors/stores/types.js';

/** Queries of a key-value store. */
export interface ReadOnlyKeyValueStore<K, V> {
  get(key: K): V | undefined;
  /** Every entry: partition by partition, each in key-byte order. */
  all(): KeyValue<K, V>[];
  readonly size: number;
}

/** Queries of a window store. */
export interface ReadOnlyWindowStore<K, V> {
  fetch(key: K, windowStart: number): V | undefined;
  fetchRange(key: K, fromStart: number, toStart: number): KeyValue<Windowed<K>, V>[];
  all(): KeyValue<Windowed<K>, V>[];
}

/** Queries of a session store. */
export interface ReadOnlySessionStore<K, V> {
  findSessions(key: K, earliestEnd: number, latestStart: number): KeyValue<Windowed<K>, V>[];
  all(): KeyValue<Windowed<K>, V>[];
}

export function keyValueView<K, V>(stores: readonly KeyValueStore<K, V>[]): ReadOnlyKeyValueStore<K, V> {
  return {
    get: (key) => {
      for (const s of stores) {
        const v = s.get(key);
        if (v !== undefined) return v;
      }
      return undefined;
    },
    all: () => stores.flatMap((s) => s.all()),
    get size() {
      return stores.reduce((n, s) => n + s.size, 0);
    },
  };
}

export function windowView<K, V>(stores: readonly WindowStore<K, V>[]): ReadOnlyWindowStore<K, V> {
  return {
    fetch: (key, start) => {
      for (const s of stores) {
        const v = s.fetch(key, start);
        if (v !== undefined) return v;
      }
      return undefined;
    },
    fetchRange: (key, from, to) => stores.flatMap((s) => s.fetchRange(key, from, to)),
    all: () => stores.flatMap((s) => s.all()),
  };
}

export function sessionView<K, V>(stores: readonly SessionStore<K, V>[]): ReadOnlySessionStore<K, V> {
  return {
    findSessions: (key, earliestEnd, latestStart) =>
      stores.flatMap((s) => s.findSessions(key, earliestEnd, latestStart)),
    all: () => stores.flatMap((s) => s.all()),
  };
}
