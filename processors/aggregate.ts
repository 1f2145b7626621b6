// `aggregate`: a running aggregate per key in a key-value store (the store the runtime backs
// with a changelog). Emits the new aggregate for each record — the KTable's update stream.
// Records with a null key or value are skipped, as in Kafka Streams.

import type { OperatorFunction } from 'rxjs';
import { operate } from './operate.js';
import { type StreamRecord, withValue } from './record.js';
import type { KeyValueStore } from './stores/types.js';

export interface AggregateOptions<K, V, A> {
  /** Where the aggregate of each key lives. */
  readonly store: KeyValueStore<K, A>;
  /** The aggregate of a key before its first record. */
  readonly initializer: () => A;
  /** Folds one value into the aggregate; returns the new aggregate. */
  readonly aggregator: (key: K, value: V, aggregate: A) => A;
}

/**
 * Folds the records of each key into a stored aggregate.
 *
 * @example
 * grouped$.pipe(aggregate('AGGREGATE-0000000005', {
 *   store, initializer: () => ({ qty: 0 }), aggregator: (_k, fill, pos) => ({ qty: pos.qty + fill.qty }),
 * }))
 */
export function aggregate<K, V, A>(
  stage: string,
  options: AggregateOptions<K, V, A>,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, A>> {
  const { store, initializer, aggregator } = options;
  return operate(stage, (out) => ({
    next(record) {
      if (
        record.key === null ||
        record.key === undefined ||
        record.value === null ||
        record.value === undefined
      ) {
        return;
      }
      const current = store.get(record.key) ?? initializer();
      const updated = aggregator(record.key, record.value, current);
      store.put(record.key, updated);
      out.emit(withValue(record, updated));
    },
  }));
}
