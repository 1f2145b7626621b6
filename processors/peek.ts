// `peek`: runs a side effect (metrics, logging) for each record and passes it on unchanged.

import type { OperatorFunction } from 'rxjs';
import { operate } from './operate.js';
import type { StreamRecord } from './record.js';

/**
 * Calls `action(value, key)` for each record and forwards the record.
 *
 * @example
 * source$.pipe(peek('PEEK-0000000001', (order) => ordersSeen.inc()))
 */
export function peek<K, V>(
  stage: string,
  action: (value: V, key: K) => void,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V>> {
  return operate(stage, (out) => ({
    next(record) {
      action(record.value, record.key);
      out.emit(record);
    },
  }));
}
