// `mapValues`: replaces the value, keeping the key (and so the partitioning).

import type { OperatorFunction } from 'rxjs';
import { operate } from './operate.js';
import { type StreamRecord, withValue } from './record.js';

/**
 * Maps each value, keeping the key.
 *
 * @example
 * source$.pipe(mapValues('MAPVALUES-0000000001', (order) => order.payload.quantity * order.payload.price))
 */
export function mapValues<K, V, V2>(
  stage: string,
  mapper: (value: V, key: K) => V2,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V2>> {
  return operate(stage, (out) => ({
    next(record) {
      out.emit(withValue(record, mapper(record.value, record.key)));
    },
  }));
}
