// `streamTableJoin`: enriches each stream record with the table's current value for its key (the
// latest price of the order's symbol). The table is a key-value store the table's own source
// stage keeps up to date in the same task, which is why both sides must be co-partitioned.

import type { OperatorFunction } from 'rxjs';
import { operate } from './operate.js';
import { type StreamRecord, withValue } from './record.js';
import type { KeyValueStore } from './stores/types.js';

export interface StreamTableJoinOptions<K, V, T, R> {
  readonly table: KeyValueStore<K, T>;
  /** Combines the stream value with the table value (undefined only in a left join). */
  readonly joiner: (value: V, tableValue: T | undefined, key: K) => R;
  /** Keep stream records whose key is not in the table (inner join drops them). @default false */
  readonly leftJoin?: boolean;
}

/**
 * Joins each record with the table's value for its key.
 *
 * @example
 * orders$.pipe(streamTableJoin('JOIN-0000000007', {
 *   table: prices, joiner: (order, price) => ({ ...order, marketPrice: price?.price }),
 * }))
 */
export function streamTableJoin<K, V, T, R>(
  stage: string,
  options: StreamTableJoinOptions<K, V, T, R>,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, R>> {
  const { table, joiner, leftJoin = false } = options;
  return operate(stage, (out) => ({
    next(record) {
      const tableValue = record.key === null || record.key === undefined ? undefined : table.get(record.key);
      if (tableValue === undefined && !leftJoin) return;
      out.emit(withValue(record, joiner(record.value, tableValue, record.key)));
    },
  }));
}
