// The in-memory window store: values per (key, window start) for fixed-size windows. Its changelog
// key is the serialized key followed by the 8-byte big-endian window start, like Kafka's, plus a
// 4-byte sequence number when the store retains duplicates (one entry per joined record).

import type { Serde } from '../../core/record.js';
import { byteKey, ChangeNotifier } from './keyValueStore.js';
import type { ChangeListener, KeyValue, Windowed, WindowStore } from './types.js';

interface Slot<V> {
  readonly seq: number;
  readonly value: V;
}

interface KeyWindows<K, V> {
  readonly key: K;
  readonly keyBytes: Buffer;
  /** Values per window start; one slot unless duplicates are retained. */
  readonly windows: Map<number, Slot<V>[]>;
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

/** The changelog key of a window entry: key, start, and the sequence number of a duplicate. */
export function windowChangelogKey(keyBytes: Buffer, start: number, seq?: number): Buffer {
  if (seq === undefined) return compositeKey(keyBytes, start);
  const out = Buffer.alloc(keyBytes.length + 12);
  keyBytes.copy(out, 0);
  out.writeBigInt64BE(BigInt(start), keyBytes.length);
  out.writeUInt32BE(seq, keyBytes.length + 8);
  return out;
}

/** Reads a window changelog key back (`retainDuplicates` says whether it ends with a seq). */
export function splitWindowChangelogKey(
  bytes: Buffer,
  retainDuplicates: boolean,
): { keyBytes: Buffer; start: number; seq: number | undefined } {
  if (!retainDuplicates) {
    const { keyBytes, times } = splitCompositeKey(bytes, 1);
    return { keyBytes, start: times[0] as number, seq: undefined };
  }
  const keyLength = bytes.length - 12;
  return {
    keyBytes: bytes.subarray(0, keyLength),
    start: Number(bytes.readBigInt64BE(keyLength)),
    seq: bytes.readUInt32BE(keyLength + 8),
  };
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
    private readonly retainDuplicates = false,
  ) {
    this.notifier = new ChangeNotifier(name);
    this.ctx = { topic: name };
  }

  get size(): number {
    let n = 0;
    for (const k of this.byKey.values()) for (const slots of k.windows.values()) n += slots.length;
    return n;
  }

  put(key: K, windowStart: number, value: V): void {
    const keyBytes = this.keySerde.serialize(key, this.ctx);
    const valueBytes = this.valueSerde.serialize(value, this.ctx);
    const slots = this.slot(key, keyBytes).windows;
    let seq: number | undefined;
    if (this.retainDuplicates) {
      const existing = slots.get(windowStart) ?? [];
      seq = (existing.at(-1)?.seq ?? -1) + 1;
      slots.set(windowStart, [...existing, { seq, value }]);
    } else {
      slots.set(windowStart, [{ seq: 0, value }]);
    }
    this.notifier.notify(windowChangelogKey(keyBytes, windowStart, seq), valueBytes);
  }

  fetch(key: K, windowStart: number): V | undefined {
    return this.byKey.get(byteKey(this.keySerde.serialize(key, this.ctx)))?.windows.get(windowStart)?.[0]
      ?.value;
  }

  delete(key: K, windowStart: number): void {
    const keyBytes = this.keySerde.serialize(key, this.ctx);
    const slot = this.byKey.get(byteKey(keyBytes));
    if (slot) this.deleteWindow(slot, windowStart);
  }

  deleteBefore(horizon: number): number {
    let removed = 0;
    for (const slot of [...this.byKey.values()]) {
      for (const start of [...slot.windows.keys()]) {
        if (start < horizon) removed += this.deleteWindow(slot, start);
      }
    }
    return removed;
  }

  fetchRange(key: K, fromStart: number, toStart: number): KeyValue<Windowed<K>, V>[] {
    const slot = this.byKey.get(byteKey(this.keySerde.serialize(key, this.ctx)));
    return slot ? this.entriesOf(slot, fromStart, toStart) : [];
  }

  all(): KeyValue<Windowed<K>, V>[] {
    return [...this.byKey.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap(([, slot]) => this.entriesOf(slot, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY));
  }

  onChange(listener: ChangeListener): () => void {
    return this.notifier.add(listener);
  }

  restore(bytes: Buffer, valueBytes: Buffer | null): void {
    const { keyBytes, start, seq = 0 } = splitWindowChangelogKey(bytes, this.retainDuplicates);
    const id = byteKey(keyBytes);
    if (valueBytes === null) {
      const slot = this.byKey.get(id);
      const kept = slot?.windows.get(start)?.filter((s) => s.seq !== seq) ?? [];
      if (kept.length > 0) slot?.windows.set(start, kept);
      else slot?.windows.delete(start);
      if (slot && slot.windows.size === 0) this.byKey.delete(id);
      return;
    }
    const copy = Buffer.from(keyBytes);
    const slot = this.slot(this.keySerde.deserialize(copy, this.ctx), copy);
    const value = this.valueSerde.deserialize(valueBytes, this.ctx);
    const others = (slot.windows.get(start) ?? []).filter((s) => s.seq !== seq);
    slot.windows.set(
      start,
      [...others, { seq, value }].sort((a, b) => a.seq - b.seq),
    );
  }

  /** Removes every duplicate of one window, one tombstone each; returns how many went. */
  private deleteWindow(slot: KeyWindows<K, V>, start: number): number {
    const slots = slot.windows.get(start);
    if (!slots) return 0;
    slot.windows.delete(start);
    if (slot.windows.size === 0) this.byKey.delete(byteKey(slot.keyBytes));
    for (const s of slots) {
      this.notifier.notify(
        windowChangelogKey(slot.keyBytes, start, this.retainDuplicates ? s.seq : undefined),
        null,
      );
    }
    return slots.length;
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

  private entriesOf(slot: KeyWindows<K, V>, fromStart: number, toStart: number): KeyValue<Windowed<K>, V>[] {
    const out: KeyValue<Windowed<K>, V>[] = [];
    const starts = [...slot.windows.keys()]
      .filter((s) => s >= fromStart && s <= toStart)
      .sort((a, b) => a - b);
    for (const start of starts) {
      const window = { start, end: start + this.windowSizeMs };
      for (const s of slot.windows.get(start) ?? [])
        out.push({ key: { key: slot.key, window }, value: s.value });
    }
    return out;
  }
}
