// `filter`: keeps the records whose value (and key) satisfy a predicate. A type-guard predicate
// narrows the value type downstream.

import type { OperatorFunction } from 'rxjs';
import { operate } from './operate.js';
import type { StreamRecord } from './record.js';

/**
 * Keeps records for which `predicate(value, key)` is true.
 *
 * @example
 * source$.pipe(filter('FILTER-0000000001', (order) => order.payload.quantity > 0))
 */
export function filter<K, V, S extends V>(
  stage: string,
  predicate: (value: V, key: K) => value is S,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, S>>;
export function filter<K, V>(
  stage: string,
  predicate: (value: V, key: K) => boolean,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V>>;
export function filter<K, V>(
  stage: string,
  predicate: (value: V, key: K) => boolean,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V>> {
  return operate(stage, (out) => ({
    next(record) {
      if (predicate(record.value, record.key)) out.emit(record);
    },
  }));
}
