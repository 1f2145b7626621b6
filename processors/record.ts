// The element every stage operator receives and emits: a deserialized key and value plus the
// record metadata Kafka Streams propagates (timestamp, headers) and where it was read from.

import type { RecordHeaders } from '../core/record.js';

/** Where a record was read from; absent for records a stage created on punctuation. */
export interface RecordOrigin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/**
 * A record inside a topology. Stages never mutate one: they emit a new record (usually with
 * `withKeyValue`), so a record shared by several branches stays what each branch saw.
 */
export interface StreamRecord<K, V> {
  readonly key: K;
  readonly value: V;
  /** Event time, epoch ms: the record's create time, inherited by everything derived from it. */
  readonly timestamp: number;
  readonly headers: RecordHeaders;
  readonly origin?: RecordOrigin;
}

/** The same record with a new key and value (timestamp, headers and origin are kept). */
export function withKeyValue<K, V>(
  record: StreamRecord<unknown, unknown>,
  key: K,
  value: V,
): StreamRecord<K, V> {
  return { key, value, timestamp: record.timestamp, headers: record.headers, origin: record.origin };
}

/** The same record with a new value. */
export function withValue<K, V>(record: StreamRecord<K, unknown>, value: V): StreamRecord<K, V> {
  return {
    key: record.key,
    value,
    timestamp: record.timestamp,
    headers: record.headers,
    origin: record.origin,
  };
}

/**
 * Builds a record, for marble tests and stages that create records on punctuation.
 *
 * @example
 * streamRecord('AAPL', { price: 101 }, 1_000)
 */
export function streamRecord<K, V>(
  key: K,
  value: V,
  timestamp = 0,
  headers: RecordHeaders = {},
  origin?: RecordOrigin,
): StreamRecord<K, V> {
  return origin ? { key, value, timestamp, headers, origin } : { key, value, timestamp, headers };
}
