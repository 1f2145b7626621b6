// The key-value store on LMDB, and what the three LMDB stores share: one named database per store
// inside the task's environment, values kept as the value serde's bytes (the same bytes the
// changelog carries, so a restore writes them as they come), and every write reported to change
// listeners exactly like the in-memory stores do.

import type { Database } from 'lmdb';
import { BusError } from '../../core/errors.js';
import type { Serde } from '../../core/record.js';
import { ChangeNotifier } from './keyValueStore.js';
import type { ChangeListener, KeyValue, KeyValueStore } from './types.js';

/** An LMDB database holding raw bytes under raw byte keys. */
export type BinaryDatabase = Database<Buffer, Buffer>;

/** What every LMDB-backed store has: its database, serdes and change listeners. */
export abstract class LmdbStateStore<K, V> {
  protected readonly notifier: ChangeNotifier;
  protected readonly ctx: { topic: string };

  constructor(
    readonly name: string,
    protected readonly db: BinaryDatabase,
    protected readonly keySerde: Serde<K>,
    protected readonly valueSerde: Serde<V>,
  ) {
    this.notifier = new ChangeNotifier(name);
    this.ctx = { topic: name };
  }

  /** Entries held, from LMDB's own count (no scan). */
  get size(): number {
    return (this.db.getStats() as { entryCount: number }).entryCount;
  }

  onChange(listener: ChangeListener): () => void {
    return this.notifier.add(listener);
  }

  protected write(dbKey: Buffer, valueBytes: Buffer | null): boolean {
    try {
      if (valueBytes === null) return this.db.removeSync(dbKey);
      this.db.putSync(dbKey, valueBytes);
      return true;
    } catch (cause) {
      throw new BusError('STORE_FAILED', `LMDB store ${this.name} rejected a write: ${String(cause)}`, {
        cause,
        context: { store: this.name },
      });
    }
  }

  protected value(bytes: Buffer): V {
    return this.valueSerde.deserialize(bytes, this.ctx);
  }

  protected key(bytes: Buffer): K {
    return this.keySerde.deserialize(bytes, this.ctx);
  }
}

// LMDB refuses empty keys, and a serde may well write an empty key (an empty string): one constant
// leading byte makes every key non-empty without changing their order.
const KEY_TAG = Buffer.from([0x4b]);

const dbKeyOf = (keyBytes: Buffer): Buffer => Buffer.concat([KEY_TAG, keyBytes]);

/**
 * A key-value store in LMDB; `all()` and `range()` read the database in key order.
 *
 * @example
 * const stores = lmdbStoreProvider({ stateDir: '/var/lib/tmbus', applicationId: 'orders' })(definitions, '0_1');
 * stores.getKeyValueStore<string, number>('positions').range('A', 'M');
 */
export class LmdbKeyValueStore<K, V> extends LmdbStateStore<K, V> implements KeyValueStore<K, V> {
  get(key: K): V | undefined {
    const bytes = this.db.getBinary(dbKeyOf(this.keySerde.serialize(key, this.ctx)));
    return bytes === undefined ? undefined : this.value(bytes);
  }

  put(key: K, value: V): void {
    const keyBytes = this.keySerde.serialize(key, this.ctx);
    const valueBytes = this.valueSerde.serialize(value, this.ctx);
    this.write(dbKeyOf(keyBytes), valueBytes);
    this.notifier.notify(keyBytes, valueBytes);
  }

  delete(key: K): V | undefined {
    const keyBytes = this.keySerde.serialize(key, this.ctx);
    const dbKey = dbKeyOf(keyBytes);
    const previous = this.db.getBinary(dbKey);
    if (previous === undefined) return undefined;
    this.write(dbKey, null);
    this.notifier.notify(keyBytes, null);
    return this.value(previous);
  }

  all(): KeyValue<K, V>[] {
    return this.scan({});
  }

  range(from: K, to: K): KeyValue<K, V>[] {
    return this.scan({
      start: dbKeyOf(this.keySerde.serialize(from, this.ctx)),
      end: dbKeyOf(this.keySerde.serialize(to, this.ctx)),
      inclusiveEnd: true,
    });
  }

  restore(keyBytes: Buffer, valueBytes: Buffer | null): void {
    this.write(dbKeyOf(keyBytes), valueBytes);
  }

  private scan(range: { start?: Buffer; end?: Buffer; inclusiveEnd?: boolean }): KeyValue<K, V>[] {
    const out: KeyValue<K, V>[] = [];
    for (const { key, value } of this.db.getRange(range)) {
      out.push({ key: this.key(key.subarray(1)), value: this.value(value) });
    }
    return out;
  }
}
