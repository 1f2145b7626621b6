// The in-memory key-value store. Entries are indexed by their serialized key bytes (so object keys
// compare by content, and iteration follows Kafka's byte order); each write is handed to change
// listeners as the bytes the runtime appends to the changelog.

import { BusError } from '../../core/errors.js';
import type { Serde } from '../../core/record.js';
import type { ChangeListener, KeyValue, KeyValueStore } from './types.js';

interface Entry<K, V> {
  readonly key: K;
  value: V;
}

/** Byte strings (latin1) compare like the bytes they hold. */
export function byteKey(bytes: Buffer): string {
  return bytes.toString('latin1');
}

/** Notifies listeners; a listener that throws makes the write fail with `STORE_FAILED`. */
export class ChangeNotifier {
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly store: string) {}

  add(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(keyBytes: Buffer, valueBytes: Buffer | null): void {
    for (const listener of this.listeners) {
      try {
        listener(keyBytes, valueBytes);
      } catch (cause) {
        throw new BusError('STORE_FAILED', `changelog listener of store ${this.store} failed`, {
          cause,
          context: { store: this.store },
        });
      }
    }
  }
}

/**
 * A key-value store held in memory.
 *
 * @example
 * const prices = new InMemoryKeyValueStore('prices', stringSerde, jsonSerde<number>());
 * prices.onChange((k, v) => changelog.append(k, v));
 * prices.put('AAPL', 187.5);
 */
export class InMemoryKeyValueStore<K, V> implements KeyValueStore<K, V> {
  private readonly entries = new Map<string, Entry<K, V>>();
  private readonly notifier: ChangeNotifier;
  private readonly ctx: { topic: string };

  constructor(
    readonly name: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {
    this.notifier = new ChangeNotifier(name);
    this.ctx = { topic: name };
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(byteKey(this.keySerde.serialize(key, this.ctx)))?.value;
  }

  put(key: K, value: V): void {
    const keyBytes = this.keySerde.serialize(key, this.ctx);
    const valueBytes = this.valueSerde.serialize(value, this.ctx);
    this.entries.set(byteKey(keyBytes), { key, value });
    this.notifier.notify(keyBytes, valueBytes);
  }

  delete(key: K): V | undefined {
    const keyBytes = this.keySerde.serialize(key, this.ctx);
    const id = byteKey(keyBytes);
    const previous = this.entries.get(id);
    if (!previous) return undefined;
    this.entries.delete(id);
    this.notifier.notify(keyBytes, null);
    return previous.value;
  }

  all(): KeyValue<K, V>[] {
    return this.sorted().map(([, e]) => ({ key: e.key, value: e.value }));
  }

  range(from: K, to: K): KeyValue<K, V>[] {
    const lo = byteKey(this.keySerde.serialize(from, this.ctx));
    const hi = byteKey(this.keySerde.serialize(to, this.ctx));
    return this.sorted()
      .filter(([id]) => id >= lo && id <= hi)
      .map(([, e]) => ({ key: e.key, value: e.value }));
  }

  onChange(listener: ChangeListener): () => void {
    return this.notifier.add(listener);
  }

  restore(keyBytes: Buffer, valueBytes: Buffer | null): void {
    const id = byteKey(keyBytes);
    if (valueBytes === null) {
      this.entries.delete(id);
      return;
    }
    this.entries.set(id, {
      key: this.keySerde.deserialize(keyBytes, this.ctx),
      value: this.valueSerde.deserialize(valueBytes, this.ctx),
    });
  }

  private sorted(): [string, Entry<K, V>][] {
    return [...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
