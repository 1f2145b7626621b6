// `TopologyBuilder`: where topologies start. `stream()` / `familyStream()` / `table()` add typed
// sources; the handles they return add the rest; `build()` validates and compiles the plan.

import type { Observable } from 'rxjs';
import { TopologyError } from '../../core/errors.js';
import { materialize } from '../../processors/materialize.js';
import type { StreamRecord } from '../../processors/record.js';
import { CATALOG, type EventFamily } from '../../schemas/catalog.js';
import type { FamilyValue } from '../../schemas/events.js';
import { type BuildOptions, compile } from '../compile.js';
import { ProcessorNode } from '../graph/processorNode.js';
import { SourceNode } from '../graph/sourceNode.js';
import { validateName } from '../names.js';
import type { TopologyPlan } from '../plan.js';
import { anySerde, BuilderState } from './internals.js';
import { KStream } from './kstream.js';
import { KTable } from './ktable.js';
import type { Consumed, TableOptions } from './options.js';

/**
 * Builds a topology.
 *
 * @example
 * const builder = new TopologyBuilder();
 * const orders = builder.familyStream('OrderEvent', { key: Serdes.string(), value: orderSerde });
 * orders.filter((o) => o.header.eventType === 'ORDER_FILLED').toPriorityLanes();
 * const plan = builder.build({ applicationId: 'tm-fills' });
 */
export class TopologyBuilder {
  private readonly state = new BuilderState();

  /** A stream over one or more topics, typed by its serdes. */
  stream<K, V>(topics: string | readonly string[], options: Consumed<K, V>): KStream<K, V> {
    const list = typeof topics === 'string' ? [topics] : [...topics];
    if (list.length === 0 || list.some((t) => typeof t !== 'string' || t.length === 0)) {
      throw new TopologyError('stream(): give one or more non-empty topic names');
    }
    const source = this.source(list, options, false);
    return new KStream<K, V>(this.state, {
      node: source,
      keySerde: options.key,
      valueSerde: options.value,
      repartitionRequired: false,
    });
  }

  /**
   * A stream over a catalog family's domain topic (e.g. `tm.orders` for `OrderEvent`), typed by the
   * family's generated event union.
   *
   * @example
   * builder.familyStream('OrderEvent', { key: Serdes.string(), value: await familySerde(registry, 'OrderEvent') })
   */
  familyStream<F extends EventFamily>(
    family: F,
    options: Consumed<string, FamilyValue<F>>,
  ): KStream<string, FamilyValue<F>> {
    const spec = CATALOG[family];
    if (!spec)
      throw new TopologyError(`familyStream(): '${String(family)}' is not an event family of the catalog`);
    return this.stream(spec.topic, options);
  }

  /**
   * A table over a compacted topic: the latest value per key, in a store named `options.store`
   * (default `<stage>-store`); a null value deletes the key.
   */
  table<K, V>(topic: string, options: TableOptions<K, V>): KTable<K, V> {
    if (typeof topic !== 'string' || topic.length === 0)
      throw new TopologyError('table(): give a non-empty topic name');
    const state = this.state;
    const source = this.source([topic], { ...options, name: options.name && `${options.name}-source` }, true);
    const name = state.names.next('TABLE-SOURCE', options.name, 'table');
    const storeName =
      options.store === undefined ? `${name}-store` : validateName(options.store, `store of ${name}`);
    const node = state.add(
      new ProcessorNode(
        state.nodeId(),
        name,
        [source],
        (inputs, ctx) =>
          (inputs[0] as Observable<StreamRecord<K, V | null>>).pipe(
            materialize(name, ctx.stores.getKeyValueStore<K, V>(storeName)),
          ),
        {
          stores: [
            {
              name: storeName,
              kind: 'keyValue',
              keySerde: anySerde(options.key) as never,
              valueSerde: anySerde(options.value) as never,
            },
          ],
        },
      ),
    );
    return new KTable<K, V>(
      state,
      { node, keySerde: options.key, valueSerde: options.value, repartitionRequired: false },
      storeName,
    );
  }

  /** Validates the graph and compiles it into a runtime plan. Throws `TopologyError` naming the stage. */
  build(options: BuildOptions): TopologyPlan {
    return compile(this.state.nodes, options);
  }

  private source<K, V>(topics: string[], options: Consumed<K, V>, table: boolean): SourceNode {
    const name = this.state.names.next('SOURCE', options.name, table ? 'table source' : 'stream');
    return this.state.add(
      new SourceNode(
        this.state.nodeId(),
        name,
        topics.map((t) => ({ name: t, internal: false })),
        {
          keySerde: anySerde(options.key),
          valueSerde: anySerde(options.value),
          table,
          partitioner: options.partitioner,
        },
      ),
    );
  }
}

/** Shorthand for `new TopologyBuilder()`. */
export function topology(): TopologyBuilder {
  return new TopologyBuilder();
}
