// The store behind left and outer stream–stream joins (Kafka's "outer shared" store): records that
// have not found a partner yet, keyed by (time, side, key, seq) so that its byte order is time
// order. The join scans it from the oldest record to emit those whose window has closed, and
// removes a record the moment a partner arrives.

import type { RecordContext, RecordHeaders, Serde } from '../core/record.js';
import { decodeTimedKey, encodeTimedKey, readTime, writeTime } from './stores/orderedKeys.js';
import type { KeyValueStore } from './stores/types.js';

/** Which input of a join a record came from. */
export type JoinSideName = 'left' | 'right';

/** Key of an unmatched record. `key` absent only in scan bounds. */
export interface OuterJoinKey<K> {
  readonly time: number;
  readonly side: JoinSideName;
  readonly key?: K;
  /** Tells apart records of the same side, key and time. */
  readonly seq: number;
}

/** An unmatched record: its value and the headers it came with. */
export interface OuterJoinValue<T> {
  readonly value: T;
  readonly headers: RecordHeaders;
}

/** The store holding a left/outer join's unmatched records. */
export type OuterJoinStore<K, T> = KeyValueStore<OuterJoinKey<K>, OuterJoinValue<T>>;

const EMPTY = Buffer.alloc(0);

/**
 * The outer store's key serde: 8 order-preserving time bytes, a side byte, the escaped record key
 * (serialized by the join's key serde) and a 4-byte seq, so byte order is (time, side, key, seq).
 *
 * @example
 * const keySerde = outerJoinKeySerde(Serdes.string());
 */
export function outerJoinKeySerde<K>(keySerde: Serde<K>): Serde<OuterJoinKey<K>> {
  return {
    name: `outer-join-key(${keySerde.name})`,
    serialize(k: OuterJoinKey<K>, ctx: RecordContext): Buffer {
      const keyBytes = k.key === undefined ? EMPTY : keySerde.serialize(k.key, ctx);
      const head = Buffer.allocUnsafe(9);
      writeTime(head, 0, k.time);
      head[8] = k.side === 'left' ? 0 : 1;
      return Buffer.concat([head, encodeTimedKey(keyBytes, [], k.seq)]);
    },
    deserialize(bytes: Buffer, ctx: RecordContext): OuterJoinKey<K> {
      const { keyBytes, seq } = decodeTimedKey(bytes.subarray(9), 0);
      return {
        time: readTime(bytes, 0),
        side: bytes[8] === 0 ? 'left' : 'right',
        key: keySerde.deserialize(keyBytes, ctx),
        seq: seq ?? 0,
      };
    },
  };
}

/** Keeps an unmatched record under the first free seq of its (time, side, key). */
export function holdUnmatched<K, T>(
  store: OuterJoinStore<K, T>,
  time: number,
  side: JoinSideName,
  key: K,
  entry: OuterJoinValue<T>,
): void {
  // Seqs of one (time, side, key) are taken from 0 up and always removed together (a partner
  // matches all of them, expiry closes all of them), so point lookups find the first free one.
  let seq = 0;
  while (store.get({ time, side, key, seq }) !== undefined) seq++;
  store.put({ time, side, key, seq }, entry);
}

/** Removes every unmatched record of (time, side, key): a partner arrived for them. */
export function releaseMatched<K, T>(
  store: OuterJoinStore<K, T>,
  time: number,
  side: JoinSideName,
  key: K,
): void {
  for (let seq = 0; store.delete({ time, side, key, seq }) !== undefined; seq++);
}

/** Unmatched records with `time <= until`, oldest first, straight from the store's order. */
export function unmatchedUntil<K, T>(
  store: OuterJoinStore<K, T>,
  until: number,
): { key: OuterJoinKey<K>; value: OuterJoinValue<T> }[] {
  const from: OuterJoinKey<K> = { time: Number.MIN_SAFE_INTEGER, side: 'left', seq: 0 };
  // The bound itself (empty key) never names a real record newer than `until`: filtered below.
  const to: OuterJoinKey<K> = { time: until + 1, side: 'left', seq: 0 };
  return store.range(from, to).filter((e) => e.key.time <= until);
}
