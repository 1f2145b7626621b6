// `filterNot`: drops the records that satisfy a predicate (the complement of `filter`).

import type { OperatorFunction } from 'rxjs';
import { operate } from './operate.js';
import type { StreamRecord } from './record.js';

/**
 * Drops records for which `predicate(value, key)` is true.
 *
 * @example
 * source$.pipe(filterNot('FILTER-0000000002', (event) => event.header.source === 'replay'))
 */
export function filterNot<K, V>(
  stage: string,
  predicate: (value: V, key: K) => boolean,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V>> {
  return operate(stage, (out) => ({
    next(record) {
      if (!predicate(record.value, record.key)) out.emit(record);
    },
  }));
}
