// `materialize`: the source stage of a table. Keeps the latest value of each key in a key-value
// store (a null value deletes the key, as in a compacted topic) and forwards each change.

import type { OperatorFunction } from 'rxjs';
import { operate } from './operate.js';
import type { StreamRecord } from './record.js';
import type { KeyValueStore } from './stores/types.js';

/**
 * Upserts each record into `store`; a null value is a delete. Records with a null key are dropped.
 *
 * @example
 * pricesTopic$.pipe(materialize('TABLE-SOURCE-0000000001', pricesStore))
 */
export function materialize<K, V>(
  stage: string,
  store: KeyValueStore<K, V>,
): OperatorFunction<StreamRecord<K, V | null>, StreamRecord<K, V | null>> {
  return operate(stage, (out) => ({
    next(record) {
      if (record.key === null || record.key === undefined) return;
      if (record.value === null || record.value === undefined) store.delete(record.key);
      else store.put(record.key, record.value);
      out.emit(record);
    },
  }));
}
