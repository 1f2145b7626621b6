// `windowedAggregate`: aggregates per key and time window (tumbling or hopping) in a window store.
// A window `[start, end)` accepts records until it closes at `end + grace` (stream time, or the
// wall clock when one is given); later records for it are dropped as late. With
// `emit: 'onWindowUpdate'` every update is emitted; with `'onWindowClose'` only the final result,
// once, when the window closes (Kafka Streams' suppress-until-window-closes). Closed windows are
// removed from the store.

import type { OperatorFunction } from 'rxjs';
import type { Clock } from '../core/clock.js';
import { operate } from './operate.js';
import type { StreamRecord } from './record.js';
import type { Windowed, WindowStore } from './stores/types.js';
import { WindowCloser } from './windowCloser.js';
import type { EmitStrategy, TimeWindows } from './windows.js';

export interface WindowedAggregateOptions<K, V, A> {
  readonly store: WindowStore<K, A>;
  readonly windows: TimeWindows;
  readonly initializer: () => A;
  readonly aggregator: (key: K, value: V, aggregate: A) => A;
  /** @default 'onWindowUpdate' */
  readonly emit?: EmitStrategy;
  /** When given, windows also close on wall-clock time (a timer fires even with no new record). */
  readonly wallClock?: Clock;
}

/**
 * Aggregates records per key and time window.
 *
 * @example
 * trades$.pipe(windowedAggregate('WINDOW-AGGREGATE-0000000006', {
 *   store, windows: TimeWindows.ofSizeAndGrace(60_000, 5_000), emit: 'onWindowClose',
 *   initializer: () => 0, aggregator: (_k, t, vol) => vol + t.quantity,
 * }))
 */
export function windowedAggregate<K, V, A>(
  stage: string,
  options: WindowedAggregateOptions<K, V, A>,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<Windowed<K>, A>> {
  const { store, windows, initializer, aggregator, wallClock } = options;
  const finalOnly = options.emit === 'onWindowClose';
  const closeAt = (start: number) => start + windows.sizeMs + windows.graceMs;

  return operate(stage, (out) => {
    const closeDue = () => {
      const now = closer.now();
      let next = Number.POSITIVE_INFINITY;
      const due = store.all().filter((e) => {
        const at = closeAt(e.key.window.start);
        if (at > now) next = Math.min(next, at);
        return at <= now;
      });
      due.sort((a, b) => a.key.window.start - b.key.window.start);
      for (const { key, value } of due) {
        store.delete(key.key, key.window.start);
        if (finalOnly) out.emit({ key, value, timestamp: key.window.end - 1, headers: {} });
      }
      closer.reset(next);
    };
    const closer = new WindowCloser(wallClock, () => out.guard(closeDue));
    // Windows restored from the changelog (or kept across a pipeline restart) close as usual.
    closer.reset(
      store.all().reduce((min, e) => Math.min(min, closeAt(e.key.window.start)), Number.POSITIVE_INFINITY),
    );

    return {
      next(record) {
        if (
          record.key === null ||
          record.key === undefined ||
          record.value === null ||
          record.value === undefined
        ) {
          return;
        }
        closer.observe(record.timestamp);
        const now = closer.now();
        for (const start of windows.windowStartsFor(record.timestamp)) {
          if (closeAt(start) <= now) continue; // late: the window has closed
          const updated = aggregator(
            record.key,
            record.value,
            store.fetch(record.key, start) ?? initializer(),
          );
          store.put(record.key, start, updated);
          closer.expect(closeAt(start));
          if (!finalOnly) {
            const window = { start, end: start + windows.sizeMs };
            out.emit({
              key: { key: record.key, window },
              value: updated,
              timestamp: record.timestamp,
              headers: record.headers,
            });
          }
        }
        if (closer.due()) closeDue();
      },
      finalize() {
        closer.cancel();
      },
    };
  });
}
