// `streamStreamJoin`: windowed inner, left and outer joins of two streams by key, with Kafka
// Streams' semantics since 3.1. Each side's records are kept one entry per record in a window store
// that retains duplicates (key, timestamp, seq), so a hot key costs one write per record, never a
// rewrite of everything before it. A record joins every record of the other side whose timestamp
// lies within the join window; the result carries the later timestamp. For left/outer joins, a
// record of an outer side that found no partner waits in a time-ordered store and is emitted with
// `null` for the other side once stream time passes its window end plus grace (or at once, when
// it arrived out of order after its window had already closed). Records too late for their window
// plus grace are dropped; entries past retention are purged from the window stores.

import type { OperatorFunction } from 'rxjs';
import { operate } from './operate.js';
import {
  holdUnmatched,
  type JoinSideName,
  type OuterJoinStore,
  releaseMatched,
  unmatchedUntil,
} from './outerJoinStore.js';
import type { StreamRecord } from './record.js';
import type { WindowStore } from './stores/types.js';
import type { JoinWindows } from './windows.js';

/** A record of either side, tagged with its side. */
export type JoinSide<K, V, W> =
  | { readonly side: 'left'; readonly record: StreamRecord<K, V> }
  | { readonly side: 'right'; readonly record: StreamRecord<K, W> };

/** `inner` emits pairs only; `left` also left records without partner; `outer` both sides'. */
export type StreamJoinType = 'inner' | 'left' | 'outer';

interface JoinStores<K, V, W> {
  /** Left records, one entry per record (a window store retaining duplicates). */
  readonly leftStore: WindowStore<K, V>;
  /** Right records, one entry per record (a window store retaining duplicates). */
  readonly rightStore: WindowStore<K, W>;
  readonly windows: JoinWindows;
}

/** What a join needs; the joiner's parameters are nullable exactly where the join type says. */
export type StreamStreamJoinOptions<K, V, W, R> = JoinStores<K, V, W> &
  (
    | { readonly type?: 'inner'; readonly joiner: (left: V, right: W, key: K) => R }
    | {
        readonly type: 'left';
        /** Left records without a partner yet. */
        readonly outerStore: OuterJoinStore<K, V | W>;
        readonly joiner: (left: V, right: W | null, key: K) => R;
      }
    | {
        readonly type: 'outer';
        /** Records of either side without a partner yet. */
        readonly outerStore: OuterJoinStore<K, V | W>;
        readonly joiner: (left: V | null, right: W | null, key: K) => R;
      }
  );

/**
 * Joins left and right records of the same key that are close enough in time.
 *
 * @example
 * merge(orders$.pipe(map((record) => ({ side: 'left', record }))), fills$.pipe(map((record) => ({ side: 'right', record }))))
 *   .pipe(streamStreamJoin('LEFTJOIN-0000000009', { type: 'left', leftStore, rightStore, outerStore, windows: JoinWindows.ofTimeDifferenceAndGrace(5_000, 1_000), joiner }))
 */
export function streamStreamJoin<K, V, W, R>(
  stage: string,
  options: StreamStreamJoinOptions<K, V, W, R>,
): OperatorFunction<JoinSide<K, V, W>, StreamRecord<K, R>> {
  const { leftStore, rightStore, windows } = options;
  const type: StreamJoinType = options.type ?? 'inner';
  const outerStore = 'outerStore' in options ? options.outerStore : undefined;
  const joiner = options.joiner as (left: V | null, right: W | null, key: K) => R;
  const { beforeMs, afterMs, graceMs } = windows;
  const retention = windows.retentionMs;
  if (type !== 'inner' && !outerStore) throw new Error(`${stage}: a ${type} join needs an outer store`);
  const isOuterSide = (side: JoinSideName) => type === 'outer' || (type === 'left' && side === 'left');
  // How far after its own timestamp a record of `side` can still find a partner.
  const lookAhead = (side: JoinSideName) => (side === 'left' ? afterMs : beforeMs);
  const lookBehind = (side: JoinSideName) => (side === 'left' ? beforeMs : afterMs);
  const pair = (side: JoinSideName, mine: unknown, theirs: unknown, key: K): R =>
    side === 'left' ? joiner(mine as V, theirs as W, key) : joiner(theirs as V, mine as W, key);

  return operate(stage, (out) => {
    let streamTime = Number.NEGATIVE_INFINITY;
    let purgedAt = Number.NEGATIVE_INFINITY;
    // A lower bound of the outer store's oldest time; -∞ until the first scan (after a restart
    // the store may hold records from before), so a scan is skipped while nothing can be due.
    let outerMinTime = Number.NEGATIVE_INFINITY;
    const minLookAhead = type === 'left' ? afterMs : Math.min(afterMs, beforeMs);

    const emitClosed = () => {
      if (!outerStore || outerMinTime + minLookAhead + graceMs >= streamTime) return;
      const until = streamTime - graceMs - minLookAhead - 1;
      let kept = until + 1;
      for (const { key: k, value: held } of unmatchedUntil(outerStore, until)) {
        if (k.time + lookAhead(k.side) + graceMs >= streamTime) {
          kept = Math.min(kept, k.time);
          continue;
        }
        outerStore.delete(k);
        const key = k.key as K;
        out.emit({
          key,
          value: k.side === 'left' ? joiner(held.value as V, null, key) : joiner(null, held.value as W, key),
          timestamp: k.time,
          headers: held.headers,
        });
      }
      outerMinTime = kept;
    };

    return {
      next(tagged) {
        const { key, value, timestamp, headers } = tagged.record;
        if (key === null || key === undefined || value === null || value === undefined) return;
        const side = tagged.side;
        if (timestamp > streamTime) streamTime = timestamp;
        if (timestamp + lookAhead(side) + graceMs < streamTime) return; // late: its window closed
        if (outerStore && timestamp === streamTime) emitClosed();

        const own = (side === 'left' ? leftStore : rightStore) as WindowStore<K, unknown>;
        const other = (side === 'left' ? rightStore : leftStore) as WindowStore<K, unknown>;
        const otherSide: JoinSideName = side === 'left' ? 'right' : 'left';
        own.put(key, timestamp, value);
        const partners = other.fetchRange(key, timestamp - lookBehind(side), timestamp + lookAhead(side));
        let released = Number.NaN;
        for (const p of partners) {
          const at = p.key.window.start;
          if (outerStore && isOuterSide(otherSide) && at !== released) {
            releaseMatched(outerStore, at, otherSide, key);
            released = at;
          }
          out.emit({
            key,
            value: pair(side, value, p.value, key),
            timestamp: Math.max(timestamp, at),
            headers,
          });
        }
        if (partners.length === 0 && outerStore && isOuterSide(side)) {
          if (timestamp + lookAhead(side) < streamTime) {
            // Arrived out of order after its window closed: nothing will wait for it (Kafka's rule).
            out.emit({ key, value: pair(side, value, null, key), timestamp, headers });
          } else {
            holdUnmatched(outerStore, timestamp, side, key, { value, headers });
            outerMinTime = Math.min(outerMinTime, timestamp);
          }
        }
        if (streamTime - purgedAt > retention) {
          leftStore.deleteBefore(streamTime - retention);
          rightStore.deleteBefore(streamTime - retention);
          purgedAt = streamTime;
        }
      },
    };
  });
}
