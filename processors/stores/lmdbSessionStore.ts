// The session store on LMDB. Database keys are `escape(key) + end + start` (Kafka's session order),
// so `findSessions` starts its cursor at the first session of the key ending at or after
// `earliestEnd` and stops at the key's last session, never touching older ones.

import { LmdbStateStore } from './lmdbKeyValueStore.js';
import { decodeTimedKey, encodeKeyPrefix, encodeTimedKey } from './orderedKeys.js';
import type { KeyValue, SessionStore, TimeWindow, Windowed } from './types.js';
import { compositeKey, splitCompositeKey } from './windowStore.js';

/**
 * A session store in LMDB.
 *
 * @example
 * const clicks = stores.getSessionStore<string, number>('clicks');
 * clicks.put('user-1', { start: 0, end: 4_000 }, 3);
 * clicks.findSessions('user-1', 0, 10_000); // the session above
 */
export class LmdbSessionStore<K, V> extends LmdbStateStore<K, V> implements SessionStore<K, V> {
  findSessions(key: K, earliestEnd: number, latestStart: number): KeyValue<Windowed<K>, V>[] {
    const keyBytes = this.keySerde.serialize(key, this.ctx);
    const prefix = encodeKeyPrefix(keyBytes);
    // Every database key of `keyBytes` starts with `prefix` (ending 0x00 0x01); 0x00 0x02 ends them.
    const end = Buffer.from(prefix);
    end[end.length - 1] = 2;
    const out: KeyValue<Windowed<K>, V>[] = [];
    let ordered = true;
    for (const entry of this.db.getRange({ start: encodeTimedKey(keyBytes, [earliestEnd]), end })) {
      const [sessionEnd, start] = decodeTimedKey(entry.key, 2).times as [number, number];
      if (start > latestStart) continue;
      const last = out.at(-1);
      if (last && last.key.window.start > start) ordered = false;
      out.push({ key: { key, window: { start, end: sessionEnd } }, value: this.value(entry.value) });
    }
    // Sessions of one key do not overlap once merged, so end order is start order; only stores
    // holding overlapping sessions pay for this sort, and only over the matches.
    if (!ordered)
      out.sort((a, b) => a.key.window.start - b.key.window.start || a.key.window.end - b.key.window.end);
    return out;
  }

  put(key: K, window: TimeWindow, value: V): void {
    const keyBytes = this.keySerde.serialize(key, this.ctx);
    const valueBytes = this.valueSerde.serialize(value, this.ctx);
    this.write(encodeTimedKey(keyBytes, [window.end, window.start]), valueBytes);
    this.notifier.notify(compositeKey(keyBytes, window.end, window.start), valueBytes);
  }

  remove(key: K, window: TimeWindow): void {
    const keyBytes = this.keySerde.serialize(key, this.ctx);
    if (this.write(encodeTimedKey(keyBytes, [window.end, window.start]), null)) {
      this.notifier.notify(compositeKey(keyBytes, window.end, window.start), null);
    }
  }

  all(): KeyValue<Windowed<K>, V>[] {
    const out: KeyValue<Windowed<K>, V>[] = [];
    for (const entry of this.db.getRange({})) {
      const { keyBytes, times } = decodeTimedKey(entry.key, 2);
      const [end, start] = times as [number, number];
      out.push({ key: { key: this.key(keyBytes), window: { start, end } }, value: this.value(entry.value) });
    }
    return out;
  }

  restore(bytes: Buffer, valueBytes: Buffer | null): void {
    const { keyBytes, times } = splitCompositeKey(bytes, 2);
    this.write(encodeTimedKey(keyBytes, times), valueBytes);
  }
}
