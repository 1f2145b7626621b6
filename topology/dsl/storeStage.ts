// The step every stateful DSL call shares: name the stage, name its store after it (or as given),
// declare the store (kind, changelog serdes) on the node, and instantiate the operator with the
// task's instance of that store.

import type { Observable, OperatorFunction } from 'rxjs';
import type { Serde } from '../../core/record.js';
import type { StreamRecord } from '../../processors/record.js';
import type { StoreKind } from '../../processors/stores/types.js';
import type { InstantiateContext } from '../graph/node.js';
import { ProcessorNode } from '../graph/processorNode.js';
import { validateName } from '../names.js';
import type { BuilderState, StreamShape } from './internals.js';
import type { Materialized } from './options.js';

export interface StoreStageSpec<K, V, KOut, A> {
  readonly prefix: string;
  readonly what: string;
  readonly options: Materialized<unknown, unknown> | undefined;
  readonly kind: StoreKind;
  readonly keySerde: Serde<unknown>;
  readonly valueSerde: Serde<unknown>;
  readonly windowSizeMs?: number;
  readonly operator: (
    stage: string,
    storeName: string,
    ctx: InstantiateContext,
  ) => OperatorFunction<StreamRecord<K, V>, StreamRecord<KOut, A>>;
}

/** Adds a stateful stage after `shape`; returns its node and store name. */
export function addStoreStage<K, V, KOut, A>(
  state: BuilderState,
  shape: StreamShape<K, V>,
  spec: StoreStageSpec<K, V, KOut, A>,
): { node: ProcessorNode; storeName: string } {
  const name = state.names.next(spec.prefix, spec.options?.name, spec.what);
  const storeName =
    spec.options?.store === undefined
      ? `${name}-store`
      : validateName(spec.options.store, `store of ${name}`);
  const node = state.add(
    new ProcessorNode(
      state.nodeId(),
      name,
      [shape.node],
      (inputs, ctx) =>
        (inputs[0] as Observable<StreamRecord<K, V>>).pipe(spec.operator(name, storeName, ctx)),
      {
        stores: [
          {
            name: storeName,
            kind: spec.kind,
            keySerde: spec.keySerde,
            valueSerde: spec.valueSerde,
            ...(spec.windowSizeMs === undefined ? {} : { windowSizeMs: spec.windowSizeMs }),
          },
        ],
      },
    ),
  );
  return { node, storeName };
}
