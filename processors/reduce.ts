// `reduce`: combines the values of each key with a reducer; the first value of a key is stored
// as it is. Kept in a key-value store.

import type { OperatorFunction } from 'rxjs';
import { operate } from './operate.js';
import { type StreamRecord, withValue } from './record.js';
import type { KeyValueStore } from './stores/types.js';

export interface ReduceOptions<K, V> {
  readonly store: KeyValueStore<K, V>;
  /** Combines the current value of the key with a new one. */
  readonly reducer: (aggregate: V, value: V, key: K) => V;
}

/**
 * Reduces the values of each key; emits the new value for each record.
 *
 * @example
 * prices$.pipe(reduce('REDUCE-0000000004', { store, reducer: (hi, p) => (p.price > hi.price ? p : hi) }))
 */
export function reduce<K, V>(
  stage: string,
  options: ReduceOptions<K, V>,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V>> {
  const { store, reducer } = options;
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
      const current = store.get(record.key);
      const updated = current === undefined ? record.value : reducer(current, record.value, record.key);
      store.put(record.key, updated);
      out.emit(withValue(record, updated));
    },
  }));
}
