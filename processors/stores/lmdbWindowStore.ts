// The window store on LMDB. Database keys are `escape(key) + start (+ seq)` (orderedKeys.ts), so
// one key's windows sit next to each other in start order and `fetchRange` is a single cursor
// walk; `all()` is the database in order. A second database indexes the entries by window start
// (`start + database key` → empty), so retention (`deleteBefore`) walks only what expires instead
// of every entry (Kafka Streams drops whole time segments for the same reason). Changelog keys
// keep Kafka's layout (windowStore.ts).

import type { Serde } from '../../core/record.js';
import { type BinaryDatabase, LmdbStateStore } from './lmdbKeyValueStore.js';
import { decodeTimedKey, encodeTimedKey } from './orderedKeys.js';
import type { KeyValue, Windowed, WindowStore } from './types.js';
import { splitWindowChangelogKey, windowChangelogKey } from './windowStore.js';

const MAX_SEQ = 0xffff_ffff;
const EMPTY = Buffer.alloc(0);
const NO_KEY = Buffer.alloc(0);
/** Length of the time part of an index key: the empty key's terminator and the start. */
const TIME_PREFIX = encodeTimedKey(NO_KEY, [0]).length;

/** The time index key of an entry: its window start (sortable) then its database key. */
function timeIndexKey(dbKey: Buffer): Buffer {
  const start = decodeTimedKey(dbKey, 1).times[0] as number;
  return Buffer.concat([encodeTimedKey(NO_KEY, [start]), dbKey]);
}

/**
 * A window store in LMDB; with `retainDuplicates`, every put is its own entry (key, start, seq).
 *
 * @example
 * const store = stores.getWindowStore<string, number>('volume-1m');
 * store.put('AAPL', 60_000, 1_500);
 * store.fetchRange('AAPL', 0, 120_000); // ordered by window start
 */
export class LmdbWindowStore<K, V> extends LmdbStateStore<K, V> implements WindowStore<K, V> {
  constructor(
    name: string,
    db: BinaryDatabase,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
    readonly windowSizeMs: number,
    private readonly retainDuplicates = false,
    /** Entries by window start; without one, `deleteBefore` walks the whole store. */
    private readonly byTime?: BinaryDatabase,
  ) {
    super(name, db, keySerde, valueSerde);
  }

  /** Writes an entry and keeps the time index in step with it. */
  protected override write(dbKey: Buffer, valueBytes: Buffer | null): boolean {
    const changed = super.write(dbKey, valueBytes);
    if (this.byTime && changed) {
      const indexKey = timeIndexKey(dbKey);
      if (valueBytes === null) this.byTime.removeSync(indexKey);
      else this.byTime.putSync(indexKey, EMPTY);
    }
    return changed;
  }

  put(key: K, windowStart: number, value: V): void {
    const keyBytes = this.keySerde.serialize(key, this.ctx);
    const valueBytes = this.valueSerde.serialize(value, this.ctx);
    const seq = this.retainDuplicates ? this.nextSeq(keyBytes, windowStart) : undefined;
    this.write(encodeTimedKey(keyBytes, [windowStart], seq), valueBytes);
    this.notifier.notify(windowChangelogKey(keyBytes, windowStart, seq), valueBytes);
  }

  fetch(key: K, windowStart: number): V | undefined {
    const keyBytes = this.keySerde.serialize(key, this.ctx);
    if (!this.retainDuplicates) {
      const bytes = this.db.getBinary(encodeTimedKey(keyBytes, [windowStart]));
      return bytes === undefined ? undefined : this.value(bytes);
    }
    for (const { value } of this.db.getRange({
      ...this.bounds(keyBytes, windowStart, windowStart),
      limit: 1,
    }))
      return this.value(value);
    return undefined;
  }

  delete(key: K, windowStart: number): void {
    const keyBytes = this.keySerde.serialize(key, this.ctx);
    const dbKeys = [...this.db.getKeys(this.bounds(keyBytes, windowStart, windowStart))];
    this.removeAll(dbKeys);
  }

  deleteBefore(horizon: number): number {
    // Collected first, removed in one transaction, so no cursor walks a database it is changing.
    const expired: Buffer[] = [];
    if (this.byTime) {
      for (const indexKey of this.byTime.getKeys({ end: encodeTimedKey(NO_KEY, [horizon]) }))
        expired.push(Buffer.from(indexKey.subarray(TIME_PREFIX)));
    } else {
      for (const dbKey of this.db.getKeys({})) {
        if ((decodeTimedKey(dbKey, 1).times[0] as number) < horizon) expired.push(dbKey);
      }
    }
    this.removeAll(expired);
    return expired.length;
  }

  fetchRange(key: K, fromStart: number, toStart: number): KeyValue<Windowed<K>, V>[] {
    const keyBytes = this.keySerde.serialize(key, this.ctx);
    const out: KeyValue<Windowed<K>, V>[] = [];
    if (fromStart > toStart) return out;
    for (const entry of this.db.getRange(this.bounds(keyBytes, fromStart, toStart))) {
      const start = decodeTimedKey(entry.key, 1).times[0] as number;
      out.push({
        key: { key, window: { start, end: start + this.windowSizeMs } },
        value: this.value(entry.value),
      });
    }
    return out;
  }

  all(): KeyValue<Windowed<K>, V>[] {
    const out: KeyValue<Windowed<K>, V>[] = [];
    for (const entry of this.db.getRange({})) {
      const { keyBytes, times } = decodeTimedKey(entry.key, 1);
      const start = times[0] as number;
      out.push({
        key: { key: this.key(keyBytes), window: { start, end: start + this.windowSizeMs } },
        value: this.value(entry.value),
      });
    }
    return out;
  }

  restore(bytes: Buffer, valueBytes: Buffer | null): void {
    const { keyBytes, start, seq } = splitWindowChangelogKey(bytes, this.retainDuplicates);
    this.write(encodeTimedKey(keyBytes, [start], seq), valueBytes);
  }

  /** Database bounds of `keyBytes`' windows starting in `[from, to]`, every duplicate included. */
  private bounds(keyBytes: Buffer, from: number, to: number) {
    return {
      start: encodeTimedKey(keyBytes, [from]),
      end: encodeTimedKey(keyBytes, [to], this.retainDuplicates ? MAX_SEQ : undefined),
      inclusiveEnd: true,
    };
  }

  /** One past the last sequence number under (key, start): read from the database, so a
   * restarted store never reuses a number a restored entry holds. */
  private nextSeq(keyBytes: Buffer, start: number): number {
    const { start: lo, end: hi } = this.bounds(keyBytes, start, start);
    for (const dbKey of this.db.getKeys({ start: hi, end: lo, reverse: true, limit: 1 })) {
      return (decodeTimedKey(dbKey, 1).seq ?? -1) + 1;
    }
    return 0;
  }

  private removeAll(dbKeys: Buffer[]): void {
    if (dbKeys.length === 0) return;
    this.db.transactionSync(() => {
      for (const dbKey of dbKeys) {
        if (!this.write(dbKey, null)) continue;
        const { keyBytes, times, seq } = decodeTimedKey(dbKey, 1);
        this.notifier.notify(windowChangelogKey(keyBytes, times[0] as number, seq), null);
      }
    });
  }
}
