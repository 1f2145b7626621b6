// Shared helpers of the processor marble tests: a TestScheduler asserting with vitest's deep
// equality, records, and in-memory stores with JSON serdes.

import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import { type StreamRecord, streamRecord } from '../../../processors/record.js';
import { jsonSerde } from '../../../processors/stores/jsonSerde.js';
import { InMemoryKeyValueStore } from '../../../processors/stores/keyValueStore.js';
import { InMemorySessionStore } from '../../../processors/stores/sessionStore.js';
import { InMemoryWindowStore } from '../../../processors/stores/windowStore.js';

export function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

export const rec = <K, V>(key: K, value: V, timestamp = 0): StreamRecord<K, V> =>
  streamRecord(key, value, timestamp);

export function kvStore<K, V>(name = 'store'): InMemoryKeyValueStore<K, V> {
  return new InMemoryKeyValueStore<K, V>(name, jsonSerde<K>(), jsonSerde<V>());
}

export function windowStore<K, V>(
  sizeMs: number,
  name = 'wstore',
  retainDuplicates = false,
): InMemoryWindowStore<K, V> {
  return new InMemoryWindowStore<K, V>(name, jsonSerde<K>(), jsonSerde<V>(), sizeMs, retainDuplicates);
}

export function sessionStore<K, V>(name = 'sstore'): InMemorySessionStore<K, V> {
  return new InMemorySessionStore<K, V>(name, jsonSerde<K>(), jsonSerde<V>());
}
