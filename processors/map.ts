// `map`: replaces key and value. A new key means records may belong to another partition, so the
// DSL marks the stream for repartitioning before any key-based stateful stage.

import type { OperatorFunction } from 'rxjs';
import { operate } from './operate.js';
import { type StreamRecord, withKeyValue } from './record.js';
import type { KeyValue } from './stores/types.js';

/**
 * Maps each record to a new key and value.
 *
 * @example
 * source$.pipe(map('MAP-0000000001', (symbol, price) => ({ key: price.venue, value: { symbol, price } })))
 */
export function map<K, V, K2, V2>(
  stage: string,
  mapper: (key: K, value: V) => KeyValue<K2, V2>,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K2, V2>> {
  return operate(stage, (out) => ({
    next(record) {
      const { key, value } = mapper(record.key, record.value);
      out.emit(withKeyValue(record, key, value));
    },
  }));
}
