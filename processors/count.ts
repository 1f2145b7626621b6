// `count`: the number of records per key, kept in a key-value store.

import type { OperatorFunction } from 'rxjs';
import { aggregate } from './aggregate.js';
import type { StreamRecord } from './record.js';
import type { KeyValueStore } from './stores/types.js';

/**
 * Counts records per key; emits the new count for each record.
 *
 * @example
 * bySymbol$.pipe(count('COUNT-0000000004', { store }))
 */
export function count<K, V>(
  stage: string,
  options: { readonly store: KeyValueStore<K, number> },
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, number>> {
  return aggregate<K, V, number>(stage, {
    store: options.store,
    initializer: () => 0,
    aggregator: (_key, _value, n) => n + 1,
  });
}
