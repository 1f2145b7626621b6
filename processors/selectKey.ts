// `selectKey`: derives a new key from the record, keeping the value. Like `map`, it marks the
// stream for repartitioning before key-based stateful stages.

import type { OperatorFunction } from 'rxjs';
import { operate } from './operate.js';
import { type StreamRecord, withKeyValue } from './record.js';

/**
 * Re-keys each record.
 *
 * @example
 * source$.pipe(selectKey('KEY-SELECT-0000000001', (order) => order.payload.accountId))
 */
export function selectKey<K, V, K2>(
  stage: string,
  selector: (value: V, key: K) => K2,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K2, V>> {
  return operate(stage, (out) => ({
    next(record) {
      out.emit(withKeyValue(record, selector(record.value, record.key), record.value));
    },
  }));
}
