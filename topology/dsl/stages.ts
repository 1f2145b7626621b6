// The node-adding steps most `KStream` calls share: a single-input processor stage, a sink, a
// merge, and the `pipe` escape hatch. Each takes a name from the builder's generator (explicit
// names validated here, at the call) and returns the new handle.

import type { Observable, OperatorFunction } from 'rxjs';
import { catchError, merge as rxMerge, throwError } from 'rxjs';
import { TopologyError } from '../../core/errors.js';
import type { Serde } from '../../core/record.js';
import { stageError } from '../../processors/operate.js';
import type { StreamRecord } from '../../processors/record.js';
import type { InstantiateContext } from '../graph/node.js';
import { ProcessorNode, type ProcessorNodeOptions } from '../graph/processorNode.js';
import { SinkNode, type SinkTarget } from '../graph/sinkNode.js';
import { internals, type StreamShape } from './internals.js';
import { KStream } from './kstream.js';
import type { Named, Produced } from './options.js';

/** How a stage changes the shape: present keys replace the key / value serde (type changed). */
export interface ShapeChange<K2, V2> {
  readonly keySerde?: Serde<K2> | undefined;
  readonly valueSerde?: Serde<V2> | undefined;
  readonly repartitionRequired?: boolean;
}

/** Options of `pipe`. */
export interface PipeOptions extends Named {
  /** The operators change the key: repartition before key-based stateful stages. @default false */
  readonly keyChanging?: boolean;
}

/** The shape after a stage named `stage` applying `change`. */
export function nextShape<K, V, K2, V2>(
  shape: StreamShape<K, V>,
  node: ProcessorNode,
  change: ShapeChange<K2, V2>,
): StreamShape<K2, V2> {
  const keyChanged = 'keySerde' in change;
  const valueChanged = 'valueSerde' in change;
  return {
    node,
    keySerde: keyChanged ? change.keySerde : (shape.keySerde as unknown as Serde<K2> | undefined),
    valueSerde: valueChanged ? change.valueSerde : (shape.valueSerde as unknown as Serde<V2> | undefined),
    repartitionRequired: shape.repartitionRequired || change.repartitionRequired === true,
    keyChangedAt: keyChanged ? (change.keySerde ? undefined : node.name) : shape.keyChangedAt,
    valueChangedAt: valueChanged ? (change.valueSerde ? undefined : node.name) : shape.valueChangedAt,
  };
}

/** Adds a single-input processor stage after `stream`. */
export function addStage<K, V, K2, V2>(
  stream: KStream<K, V>,
  prefix: string,
  what: string,
  options: Named | undefined,
  operator: (
    stage: string,
    ctx: InstantiateContext,
  ) => OperatorFunction<StreamRecord<K, V>, StreamRecord<K2, V2>>,
  change: ShapeChange<K2, V2>,
  nodeOptions?: ProcessorNodeOptions,
): KStream<K2, V2> {
  const { state, shape } = stream[internals];
  const name = state.names.next(prefix, options?.name, what);
  const node = state.add(
    new ProcessorNode(
      state.nodeId(),
      name,
      [shape.node],
      (inputs, ctx) => (inputs[0] as Observable<StreamRecord<K, V>>).pipe(operator(name, ctx)),
      nodeOptions,
    ),
  );
  return new KStream(state, nextShape(shape, node, change));
}

/** Adds a sink after `stream`, writing to a fixed topic or through an extractor. */
export function addSink<K, V>(
  stream: KStream<K, V>,
  topic: string | Omit<Extract<SinkTarget, { kind: 'extractor' }>, 'kind'>,
  options: Produced<K, V> | undefined,
  serdeCall = 'to()',
): void {
  const { state, shape } = stream[internals];
  if (typeof topic === 'string' && topic.length === 0)
    throw new TopologyError('to(): the topic name is empty');
  const name = state.names.next('SINK', options?.name, 'to');
  const target: SinkTarget =
    typeof topic === 'string'
      ? { kind: 'topic', topic: { name: topic, internal: false } }
      : { kind: 'extractor', ...topic };
  state.add(
    new SinkNode(state.nodeId(), name, shape.node, target, {
      keySerde: (options?.key ?? shape.keySerde) as Serde<unknown> | undefined,
      valueSerde: (options?.value ?? shape.valueSerde) as Serde<unknown> | undefined,
      keyChangedAt: shape.keyChangedAt,
      valueChangedAt: shape.valueChangedAt,
      serdeCall,
    }),
  );
}

/** Merges two streams of the same types. */
export function mergeStage<K, V>(
  stream: KStream<K, V>,
  other: KStream<K, V>,
  options: Named | undefined,
): KStream<K, V> {
  const { state, shape } = stream[internals];
  const otherShape = other[internals].shape;
  if (other[internals].state !== state)
    throw new TopologyError('merge(): both streams must come from the same builder');
  const name = state.names.next('MERGE', options?.name, 'merge');
  const node = state.add(
    new ProcessorNode(state.nodeId(), name, [shape.node, otherShape.node], (inputs) =>
      rxMerge(...(inputs as Observable<unknown>[])),
    ),
  );
  return new KStream(state, {
    node,
    keySerde: shape.keySerde ?? otherShape.keySerde,
    valueSerde: shape.valueSerde ?? otherShape.valueSerde,
    repartitionRequired: shape.repartitionRequired || otherShape.repartitionRequired,
    keyChangedAt: shape.keyChangedAt ?? otherShape.keyChangedAt,
    valueChangedAt: shape.valueChangedAt ?? otherShape.valueChangedAt,
  });
}

/** `pipe(op1, …, opN, options?)`: user RxJS operators over the records. */
export function pipeStage(
  stream: KStream<unknown, unknown>,
  args: readonly unknown[],
): KStream<unknown, unknown> {
  const last = args.at(-1);
  const options = typeof last === 'function' ? undefined : (last as PipeOptions | undefined);
  const operators = (typeof last === 'function' ? args : args.slice(0, -1)) as OperatorFunction<
    unknown,
    unknown
  >[];
  if (operators.length === 0 || operators.some((op) => typeof op !== 'function')) {
    throw new TopologyError('pipe(): pass one or more RxJS operators, then optional { name, keyChanging }');
  }
  const change: ShapeChange<unknown, unknown> = options?.keyChanging
    ? { keySerde: undefined, valueSerde: undefined, repartitionRequired: true }
    : { valueSerde: undefined };
  return addStage(
    stream,
    'PIPE',
    'pipe',
    options,
    (stage) => (source) =>
      operators
        .reduce<Observable<unknown>>((acc, op) => op(acc), source)
        .pipe(catchError((e: unknown) => throwError(() => stageError(stage, e)))) as never,
    change,
  );
}
