// `flatMap`: turns one record into zero or more records with new keys and values, in order.

import type { OperatorFunction } from 'rxjs';
import { operate } from './operate.js';
import { type StreamRecord, withKeyValue } from './record.js';
import type { KeyValue } from './stores/types.js';

/**
 * Maps each record to any number of records (each with its own key).
 *
 * @example
 * source$.pipe(flatMap('FLATMAP-0000000001', (account, basket) => basket.legs.map((leg) => ({ key: leg.symbol, value: leg }))))
 */
export function flatMap<K, V, K2, V2>(
  stage: string,
  mapper: (key: K, value: V) => Iterable<KeyValue<K2, V2>>,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K2, V2>> {
  return operate(stage, (out) => ({
    next(record) {
      // Materialized first so a throw mid-iteration emits nothing for this record.
      const results = [...mapper(record.key, record.value)];
      for (const { key, value } of results) out.emit(withKeyValue(record, key, value));
    },
  }));
}
