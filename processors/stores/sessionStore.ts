// The in-memory session store: values per (key, session window) where sessions have variable
// bounds. Its changelog key is the serialized key, then the 8-byte session end, then the start
// (Kafka's layout), so a compacted changelog keeps the latest value of each session.

import type { Serde } from '../../core/record.js';
import { byteKey, ChangeNotifier } from './keyValueStore.js';
import type { ChangeListener, KeyValue, SessionStore, TimeWindow, Windowed } from './types.js';
import { compositeKey, splitCompositeKey } from './windowStore.js';

interface KeySessions<K, V> {
  readonly key: K;
  readonly sessions: Map<string, { window: TimeWindow; value: V }>;
}

const sessionId = (w: TimeWindow): string => `${w.start}:${w.end}`;

/**
 * A session store held in memory.
 *
 * @example
 * const store = new InMemorySessionStore('clicks', stringSerde, jsonSerde<number>());
 * store.put('user-1', { start: 0, end: 4_000 }, 3);
 * store.findSessions('user-1', 0, 10_000); // the session above
 */
export class InMemorySessionStore<K, V> implements SessionStore<K, V> {
  private readonly byKey = new Map<string, KeySessions<K, V>>();
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
    let n = 0;
    for (const k of this.byKey.values()) n += k.sessions.size;
    return n;
  }

  findSessions(key: K, earliestEnd: number, latestStart: number): KeyValue<Windowed<K>, V>[] {
    const slot = this.byKey.get(byteKey(this.keySerde.serialize(key, this.ctx)));
    if (!slot) return [];
    return this.entriesOf(slot).filter(
      (e) => e.key.window.end >= earliestEnd && e.key.window.start <= latestStart,
    );
  }

  put(key: K, window: TimeWindow, value: V): void {
    const keyBytes = this.keySerde.serialize(key, this.ctx);
    const id = byteKey(keyBytes);
    let slot = this.byKey.get(id);
    if (!slot) {
      slot = { key, sessions: new Map() };
      this.byKey.set(id, slot);
    }
    slot.sessions.set(sessionId(window), { window: { start: window.start, end: window.end }, value });
    this.notifier.notify(
      compositeKey(keyBytes, window.end, window.start),
      this.valueSerde.serialize(value, this.ctx),
    );
  }

  remove(key: K, window: TimeWindow): void {
    const keyBytes = this.keySerde.serialize(key, this.ctx);
    const id = byteKey(keyBytes);
    const slot = this.byKey.get(id);
    if (!slot?.sessions.delete(sessionId(window))) return;
    if (slot.sessions.size === 0) this.byKey.delete(id);
    this.notifier.notify(compositeKey(keyBytes, window.end, window.start), null);
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
    const { keyBytes, times } = splitCompositeKey(bytes, 2);
    const window = { start: times[1] as number, end: times[0] as number };
    const id = byteKey(keyBytes);
    if (valueBytes === null) {
      const slot = this.byKey.get(id);
      slot?.sessions.delete(sessionId(window));
      if (slot && slot.sessions.size === 0) this.byKey.delete(id);
      return;
    }
    let slot = this.byKey.get(id);
    if (!slot) {
      slot = { key: this.keySerde.deserialize(Buffer.from(keyBytes), this.ctx), sessions: new Map() };
      this.byKey.set(id, slot);
    }
    slot.sessions.set(sessionId(window), {
      window,
      value: this.valueSerde.deserialize(valueBytes, this.ctx),
    });
  }

  private entriesOf(slot: KeySessions<K, V>): KeyValue<Windowed<K>, V>[] {
    return [...slot.sessions.values()]
      .sort((a, b) => a.window.start - b.window.start || a.window.end - b.window.end)
      .map(({ window, value }) => ({ key: { key: slot.key, window }, value }));
  }
}
