// The in-memory window store: values per (key, window start) for fixed-size windows. Its changelog
// key is the serialized key followed by the 8-byte big-endian window start, like Kafka's.

import type { Serde } from '../../core/record.js';
import { byteKey, ChangeNotifier } from './keyValueStore.js';
import type { ChangeListener, KeyValue, Windowed, WindowStore } from './types.js';

interface KeyWindows<K, V> {
  readonly key: K;
  readonly keyBytes: Buffer;
  readonly windows: Map<number, V>;
}

/** Serialized key + 8-byte big-endian timestamps: the layout of window and session changelog keys. */
export function compositeKey(keyBytes: Buffer, ...times: number[]): Buffer {
  const out = Buffer.alloc(keyBytes.length + 8 * times.length);
  keyBytes.copy(out, 0);
  times.forEach((t, i) => {
    out.writeBigInt64BE(BigInt(t), keyBytes.length + 8 * i);
  });
  return out;
}

/** Splits a composite changelog key into the serialized key and its `count` timestamps. */
export function splitCompositeKey(bytes: Buffer, count: number): { keyBytes: Buffer; times: number[] } {
  const keyLength = bytes.length - 8 * count;
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(Number(bytes.readBigInt64BE(keyLength + 8 * i)));
  return { keyBytes: bytes.subarray(0, keyLength), times };
}

/**
 * A window store held in memory.
 *
 * @example
 * const store = new InMemoryWindowStore('volume-1m', stringSerde, jsonSerde<number>(), 60_000);
 * store.put('AAPL', 0, 1_500);
 * store.fetchRange('AAPL', 0, 120_000); // [{ key: { key: 'AAPL', window: { start: 0, end: 60000 } }, value: 1500 }]
 */
export class InMemoryWindowStore<K, V> implements WindowStore<K, V> {
  private readonly byKey = new Map<string, KeyWindows<K, V>>();
  private readonly notifier: ChangeNotifier;
  private readonly ctx: { topic: string };

  constructor(
    readonly name: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    readonly windowSizeMs: number,
  ) {
    this.notifier = new ChangeNotifier(name);
    this.ctx = { topic: name };
  }

  get size(): number {
    let n = 0;
    for (const k of this.byKey.values()) n += k.windows.size;
    return n;
  }

  put(key: K, windowStart: number, value: V): void {
    const keyBytes = this.keySerde.serialize(key, this.ctx);
    const slot = this.slot(key, keyBytes);
    slot.windows.set(windowStart, value);
    this.notifier.notify(compositeKey(keyBytes, windowStart), this.valueSerde.serialize(value, this.ctx));
  }

  fetch(key: K, windowStart: number): V | undefined {
    return this.byKey.get(byteKey(this.keySerde.serialize(key, this.ctx)))?.windows.get(windowStart);
  }

  delete(key: K, windowStart: number): void {
    const keyBytes = this.keySerde.serialize(key, this.ctx);
    const id = byteKey(keyBytes);
    const slot = this.byKey.get(id);
    if (!slot?.windows.delete(windowStart)) return;
    if (slot.windows.size === 0) this.byKey.delete(id);
    this.notifier.notify(compositeKey(keyBytes, windowStart), null);
  }

  fetchRange(key: K, fromStart: number, toStart: number): KeyValue<Windowed<K>, V>[] {
    const slot = this.byKey.get(byteKey(this.keySerde.serialize(key, this.ctx)));
    return slot
      ? this.entriesOf(slot).filter((e) => e.key.window.start >= fromStart && e.key.window.start <= toStart)
      : [];
  }

  all(): KeyValue<Windowed<K>, V>[] {
    return [...this.byKey.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap(([, slot]) => this.entriesOf(slot));
  }

  onChange(listener: ChangeListener): () => void {
    return this.notifier.add(listener);
  }

  restore(bytes: Buffer, valueBytes: Buffer | null): void {
    const { keyBytes, times } = splitCompositeKey(bytes, 1);
    const start = times[0] as number;
    const id = byteKey(keyBytes);
    if (valueBytes === null) {
      const slot = this.byKey.get(id);
      slot?.windows.delete(start);
      if (slot && slot.windows.size === 0) this.byKey.delete(id);
      return;
    }
    const slot = this.slot(this.keySerde.deserialize(Buffer.from(keyBytes), this.ctx), Buffer.from(keyBytes));
    slot.windows.set(start, this.valueSerde.deserialize(valueBytes, this.ctx));
  }

  private slot(key: K, keyBytes: Buffer): KeyWindows<K, V> {
    const id = byteKey(keyBytes);
    let slot = this.byKey.get(id);
    if (!slot) {
      slot = { key, keyBytes, windows: new Map() };
      this.byKey.set(id, slot);
    }
    return slot;
  }

  private entriesOf(slot: KeyWindows<K, V>): KeyValue<Windowed<K>, V>[] {
    return [...slot.windows.entries()]
      .sort(([a], [b]) => a - b)
      .map(([start, value]) => ({
        key: { key: slot.key, window: { start, end: start + this.windowSizeMs } },
        value,
      }));
  }
}
