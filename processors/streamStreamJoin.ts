// `streamStreamJoin`: a windowed inner join of two streams by key. Each side's records are kept in
// a window store (one entry per key and timestamp); a record joins every record of the other side
// whose timestamp lies within the join window, and the result carries the later timestamp.
// Records older than the window plus grace (against the shared stream time) are dropped as late,
// and entries past retention are purged from both stores.

import type { OperatorFunction } from 'rxjs';
import { operate } from './operate.js';
import type { StreamRecord } from './record.js';
import type { WindowStore } from './stores/types.js';
import type { JoinWindows } from './windows.js';

/** A record of either side, tagged with its side. */
export type JoinSide<K, V, W> =
  | { readonly side: 'left'; readonly record: StreamRecord<K, V> }
  | { readonly side: 'right'; readonly record: StreamRecord<K, W> };

export interface StreamStreamJoinOptions<K, V, W, R> {
  readonly leftStore: WindowStore<K, V[]>;
  readonly rightStore: WindowStore<K, W[]>;
  readonly windows: JoinWindows;
  readonly joiner: (left: V, right: W, key: K) => R;
}

/**
 * Joins left and right records of the same key that are close enough in time.
 *
 * @example
 * merge(orders$.pipe(map((record) => ({ side: 'left', record }))), fills$.pipe(map((record) => ({ side: 'right', record }))))
 *   .pipe(streamStreamJoin('JOIN-0000000009', { leftStore, rightStore, windows: JoinWindows.ofTimeDifferenceWithNoGrace(5_000), joiner }))
 */
export function streamStreamJoin<K, V, W, R>(
  stage: string,
  options: StreamStreamJoinOptions<K, V, W, R>,
): OperatorFunction<JoinSide<K, V, W>, StreamRecord<K, R>> {
  const { leftStore, rightStore, windows, joiner } = options;
  const retention = windows.retentionMs;

  return operate(stage, (out) => {
    let streamTime = Number.NEGATIVE_INFINITY;
    let purgedAt = Number.NEGATIVE_INFINITY;

    const purge = () => {
      const horizon = streamTime - retention;
      for (const store of [leftStore, rightStore] as WindowStore<K, unknown[]>[]) {
        for (const e of store.all())
          if (e.key.window.start < horizon) store.delete(e.key.key, e.key.window.start);
      }
      purgedAt = streamTime;
    };

    return {
      next(tagged) {
        const { key, value, timestamp } = tagged.record;
        if (key === null || key === undefined || value === null || value === undefined) return;
        if (timestamp > streamTime) streamTime = timestamp;
        if (timestamp + Math.max(windows.beforeMs, windows.afterMs) + windows.graceMs < streamTime) return;

        if (tagged.side === 'left') {
          const v = tagged.record.value;
          leftStore.put(key, timestamp, [...(leftStore.fetch(key, timestamp) ?? []), v]);
          for (const e of rightStore.fetchRange(
            key,
            timestamp - windows.beforeMs,
            timestamp + windows.afterMs,
          )) {
            for (const w of e.value) emit(v, w, e.key.window.start);
          }
        } else {
          const w = tagged.record.value;
          rightStore.put(key, timestamp, [...(rightStore.fetch(key, timestamp) ?? []), w]);
          for (const e of leftStore.fetchRange(
            key,
            timestamp - windows.afterMs,
            timestamp + windows.beforeMs,
          )) {
            for (const v of e.value) emit(v, w, e.key.window.start);
          }
        }
        if (streamTime - purgedAt > retention) purge();

        function emit(v: V, w: W, otherTimestamp: number): void {
          out.emit({
            key: key as K,
            value: joiner(v, w, key as K),
            timestamp: Math.max(timestamp, otherTimestamp),
            headers: tagged.record.headers,
          });
        }
      },
    };
  });
}
