// `KTable`: the latest value per key, backed by a named store — read from a compacted topic
// (`builder.table`) or produced by an aggregation. Streams join against it; `toStream()` turns its
// updates back into a stream.

import { ProcessorNode } from '../graph/processorNode.js';
import { type BuilderState, internals, type StreamShape } from './internals.js';
import { KStream } from './kstream.js';
import type { Named } from './options.js';

/**
 * A changelog view: one current value per key, kept in the store `storeName`.
 *
 * @example
 * const prices = builder.table('tm.prices', { key: Serdes.string(), value: priceSerde, store: 'latest-prices' });
 * orders.join(prices, (order, price) => ({ order, price }));
 */
export class KTable<K, V> {
  /** @internal */
  readonly [internals]: {
    readonly state: BuilderState;
    readonly shape: StreamShape<K, V>;
    readonly storeName: string;
  };

  /** @internal created by `builder.table()` and aggregations */
  constructor(state: BuilderState, shape: StreamShape<K, V>, storeName: string) {
    this[internals] = { state, shape, storeName };
  }

  /** The store holding the table (query it with the test driver's `getKeyValueStore`). */
  get storeName(): string {
    return this[internals].storeName;
  }

  /** The table's updates as a stream (a deleted key arrives with a null value). */
  toStream(options?: Named): KStream<K, V> {
    const { state, shape } = this[internals];
    const name = state.names.next('TOSTREAM', options?.name, 'toStream');
    const node = state.add(
      new ProcessorNode(state.nodeId(), name, [shape.node], (inputs) => inputs[0] as never),
    );
    return new KStream(state, { ...shape, node });
  }
}
