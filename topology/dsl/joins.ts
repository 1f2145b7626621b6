// Joins: stream–table (each record enriched with the table's latest value for its key, e.g. the
// latest price of an order's symbol) and windowed stream–stream (records of both sides with the
// same key, close in time). Both need equal keys on equal partitions: a side whose key changed is
// repartitioned first, and `build()` checks the co-partitioning of the topics behind each side.

import type { Observable } from 'rxjs';
import { map as rxMap, merge as rxMerge } from 'rxjs';
import { TopologyError } from '../../core/errors.js';
import type { StreamRecord } from '../../processors/record.js';
import { jsonSerde } from '../../processors/stores/jsonSerde.js';
import type { StoreDefinition } from '../../processors/stores/types.js';
import { type JoinSide, streamStreamJoin } from '../../processors/streamStreamJoin.js';
import { streamTableJoin } from '../../processors/streamTableJoin.js';
import { JoinWindows } from '../../processors/windows.js';
import { ProcessorNode } from '../graph/processorNode.js';
import { validateName } from '../names.js';
import { anySerde, internals } from './internals.js';
import { KStream } from './kstream.js';
import type { KTable } from './ktable.js';
import type { StreamJoined, ValueStage } from './options.js';
import { repartition } from './repartition.js';
import { nextShape } from './stages.js';

/** `KStream.join(table)` and `KStream.leftJoin(table)`. */
export function streamTableJoinStage<K, V, T, R>(
  stream: KStream<K, V>,
  table: KTable<K, T>,
  joiner: (value: V, tableValue: T, key: K) => R,
  options: ValueStage<R> | undefined,
  leftJoin: boolean,
): KStream<K, R> {
  const { state } = stream[internals];
  const what = leftJoin ? 'leftJoin' : 'join';
  const name = state.names.next(leftJoin ? 'LEFTJOIN' : 'JOIN', options?.name, what);
  const t = table[internals];
  if (t.state !== state) throw new TopologyError(`${what} ${name}: the table comes from another builder`);
  let shape = stream[internals].shape;
  if (shape.repartitionRequired) shape = repartition(state, shape, name, {}, `${what}()`);
  const storeName = t.storeName;
  const node = state.add(
    new ProcessorNode(
      state.nodeId(),
      name,
      [shape.node],
      (inputs, ctx) =>
        (inputs[0] as Observable<StreamRecord<K, V>>).pipe(
          streamTableJoin(name, {
            table: ctx.stores.getKeyValueStore<K, T>(storeName),
            joiner: joiner as (value: V, tableValue: T | undefined, key: K) => R,
            leftJoin,
          }),
        ),
      { connectedStores: [storeName], copartitionSides: [shape.node, t.shape.node] },
    ),
  );
  return new KStream(state, nextShape(shape, node, { valueSerde: options?.valueSerde }));
}

/** `KStream.join(stream, joiner, windows)`. */
export function streamStreamJoinStage<K, V, W, R>(
  stream: KStream<K, V>,
  other: KStream<K, W>,
  joiner: (value: V, otherValue: W, key: K) => R,
  windows: JoinWindows,
  options: StreamJoined<R> | undefined,
): KStream<K, R> {
  const { state } = stream[internals];
  const name = state.names.next('JOIN', options?.name, 'join');
  if (other[internals].state !== state)
    throw new TopologyError(`join ${name}: the other stream comes from another builder`);
  if (!(windows instanceof JoinWindows)) {
    throw new TopologyError(
      `join ${name}: a stream–stream join needs JoinWindows, e.g. JoinWindows.ofTimeDifferenceWithNoGrace(5_000)`,
    );
  }
  let left = stream[internals].shape;
  let right = other[internals].shape;
  if (left.repartitionRequired) left = repartition(state, left, `${name}-left`, {}, 'join()');
  if (right.repartitionRequired) right = repartition(state, right, `${name}-right`, {}, 'join()');
  const prefix = options?.store === undefined ? name : validateName(options.store, `stores of ${name}`);
  const keySerde = anySerde(left.keySerde ?? right.keySerde) ?? jsonSerde();
  const stores: StoreDefinition[] = [
    { name: `${prefix}-this-store`, kind: 'window', keySerde, valueSerde: jsonSerde(), windowSizeMs: 1 },
    { name: `${prefix}-other-store`, kind: 'window', keySerde, valueSerde: jsonSerde(), windowSizeMs: 1 },
  ];
  const node = state.add(
    new ProcessorNode(
      state.nodeId(),
      name,
      [left.node, right.node],
      (inputs, ctx) =>
        rxMerge(
          (inputs[0] as Observable<StreamRecord<K, V>>).pipe(
            rxMap((record): JoinSide<K, V, W> => ({ side: 'left', record })),
          ),
          (inputs[1] as Observable<StreamRecord<K, W>>).pipe(
            rxMap((record): JoinSide<K, V, W> => ({ side: 'right', record })),
          ),
        ).pipe(
          streamStreamJoin(name, {
            leftStore: ctx.stores.getWindowStore<K, V[]>(`${prefix}-this-store`),
            rightStore: ctx.stores.getWindowStore<K, W[]>(`${prefix}-other-store`),
            windows,
            joiner,
          }),
        ),
      { stores, copartitionSides: [left.node, right.node] },
    ),
  );
  return new KStream(state, {
    ...nextShape(left, node, { valueSerde: options?.valueSerde }),
    keySerde: left.keySerde ?? (right.keySerde as never),
  });
}
