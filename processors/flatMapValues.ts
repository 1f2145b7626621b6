// `flatMapValues`: turns one value into zero or more values under the same key, in order.

import type { OperatorFunction } from 'rxjs';
import { operate } from './operate.js';
import { type StreamRecord, withValue } from './record.js';

/**
 * Maps each value to any number of values, keeping the key.
 *
 * @example
 * source$.pipe(flatMapValues('FLATMAPVALUES-0000000001', (basket) => basket.legs))
 */
export function flatMapValues<K, V, V2>(
  stage: string,
  mapper: (value: V, key: K) => Iterable<V2>,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V2>> {
  return operate(stage, (out) => ({
    next(record) {
      const results = [...mapper(record.value, record.key)];
      for (const value of results) out.emit(withValue(record, value));
    },
  }));
}
