// `sessionAggregate`: aggregates per key and session in a session store. A record within `gap` of
// existing sessions of its key merges them (their aggregates combined with `merger`); a session
// `[start, end]` closes at `end + gap + grace` (stream time, or the wall clock when given).
// Emission follows the same strategies as time windows; merged-away sessions are removed from the
// store and not retracted downstream.

import type { OperatorFunction } from 'rxjs';
import type { Clock } from '../core/clock.js';
import { operate } from './operate.js';
import type { StreamRecord } from './record.js';
import type { SessionStore, Windowed } from './stores/types.js';
import { WindowCloser } from './windowCloser.js';
import type { EmitStrategy, SessionWindows } from './windows.js';

export interface SessionAggregateOptions<K, V, A> {
  readonly store: SessionStore<K, A>;
  readonly windows: SessionWindows;
  readonly initializer: () => A;
  readonly aggregator: (key: K, value: V, aggregate: A) => A;
  /** Combines the aggregates of two sessions a record bridges. */
  readonly merger: (key: K, left: A, right: A) => A;
  /** @default 'onWindowUpdate' */
  readonly emit?: EmitStrategy;
  /** When given, sessions also close on wall-clock time. */
  readonly wallClock?: Clock;
}

/**
 * Aggregates records per key and activity session.
 *
 * @example
 * clicks$.pipe(sessionAggregate('SESSION-AGGREGATE-0000000003', {
 *   store, windows: SessionWindows.ofInactivityGapWithNoGrace(30_000),
 *   initializer: () => 0, aggregator: (_k, _v, n) => n + 1, merger: (_k, a, b) => a + b,
 * }))
 */
export function sessionAggregate<K, V, A>(
  stage: string,
  options: SessionAggregateOptions<K, V, A>,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<Windowed<K>, A>> {
  const { store, windows, initializer, aggregator, merger, wallClock } = options;
  const finalOnly = options.emit === 'onWindowClose';
  const closeAt = (end: number) => end + windows.gapMs + windows.graceMs;

  return operate(stage, (out) => {
    const closeDue = () => {
      const now = closer.now();
      let next = Number.POSITIVE_INFINITY;
      const due = store.all().filter((e) => {
        const at = closeAt(e.key.window.end);
        if (at > now) next = Math.min(next, at);
        return at <= now;
      });
      due.sort((a, b) => a.key.window.end - b.key.window.end);
      for (const { key, value } of due) {
        store.remove(key.key, key.window);
        if (finalOnly) out.emit({ key, value, timestamp: key.window.end, headers: {} });
      }
      closer.reset(next);
    };
    const closer = new WindowCloser(wallClock, () => out.guard(closeDue));
    closer.reset(
      store.all().reduce((min, e) => Math.min(min, closeAt(e.key.window.end)), Number.POSITIVE_INFINITY),
    );

    return {
      next(record) {
        const { key, value, timestamp } = record;
        if (key === null || key === undefined || value === null || value === undefined) return;
        closer.observe(timestamp);
        const overlapping = store.findSessions(key, timestamp - windows.gapMs, timestamp + windows.gapMs);
        let start = timestamp;
        let end = timestamp;
        for (const s of overlapping) {
          start = Math.min(start, s.key.window.start);
          end = Math.max(end, s.key.window.end);
        }
        if (closeAt(end) <= closer.now()) return; // late: the merged session has closed
        let merged = initializer();
        for (const s of overlapping) {
          merged = merger(key, merged, s.value);
          store.remove(key, s.key.window);
        }
        const updated = aggregator(key, value, merged);
        const window = { start, end };
        store.put(key, window, updated);
        closer.expect(closeAt(end));
        if (!finalOnly)
          out.emit({ key: { key, window }, value: updated, timestamp, headers: record.headers });
        if (closer.due()) closeDue();
      },
      finalize() {
        closer.cancel();
      },
    };
  });
}
