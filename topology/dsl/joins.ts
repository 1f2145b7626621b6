// Joins: stream–table (each record enriched with the table's latest value for its key, e.g. the
// latest price of an order's symbol) and windowed stream–stream — inner, left or outer — (records
// of both sides with the same key, close in time). Both need equal keys on equal partitions: a side whose key changed is
// repartitioned first, and `build()` checks the co-partitioning of the topics behind each side.

import type { Observable } from 'rxjs';
import { map as rxMap, merge as rxMerge } from 'rxjs';
import { TopologyError } from '../../core/errors.js';
import { type OuterJoinStore, outerJoinKeySerde } from '../../processors/outerJoinStore.js';
import type { StreamRecord } from '../../processors/record.js';
import { jsonSerde } from '../../processors/stores/jsonSerde.js';
import type { StoreDefinition } from '../../processors/stores/types.js';
import { type JoinSide, type StreamJoinType, streamStreamJoin } from '../../processors/streamStreamJoin.js';
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

const JOIN_NAMES = {
  inner: { prefix: 'JOIN', what: 'join' },
  left: { prefix: 'LEFTJOIN', what: 'leftJoin' },
  outer: { prefix: 'OUTERJOIN', what: 'outerJoin' },
} as const;

/** `KStream.join|leftJoin|outerJoin(stream, joiner, windows)`. */
export function streamStreamJoinStage<K, V, W, R>(
  stream: KStream<K, V>,
  other: KStream<K, W>,
  joiner: (value: V | null, otherValue: W | null, key: K) => R,
  windows: JoinWindows,
  options: StreamJoined<R> | undefined,
  type: StreamJoinType = 'inner',
): KStream<K, R> {
  const { state } = stream[internals];
  const { prefix: kind, what } = JOIN_NAMES[type];
  const name = state.names.next(kind, options?.name, what);
  if (other[internals].state !== state)
    throw new TopologyError(`${what} ${name}: the other stream comes from another builder`);
  if (!(windows instanceof JoinWindows)) {
    throw new TopologyError(
      `${what} ${name}: a stream–stream join needs JoinWindows, e.g. JoinWindows.ofTimeDifferenceWithNoGrace(5_000)`,
    );
  }
  let left = stream[internals].shape;
  let right = other[internals].shape;
  if (left.repartitionRequired) left = repartition(state, left, `${name}-left`, {}, `${what}()`);
  if (right.repartitionRequired) right = repartition(state, right, `${name}-right`, {}, `${what}()`);
  const prefix = options?.store === undefined ? name : validateName(options.store, `stores of ${name}`);
  const keySerde = anySerde(left.keySerde ?? right.keySerde) ?? jsonSerde();
  // One store entry per record (duplicates retained), so a hot key never rewrites its history.
  const perRecord = {
    kind: 'window',
    keySerde,
    valueSerde: jsonSerde(),
    windowSizeMs: 1,
    retainDuplicates: true,
  } as const;
  const stores: StoreDefinition[] = [
    { name: `${prefix}-this-store`, ...perRecord },
    { name: `${prefix}-other-store`, ...perRecord },
  ];
  const outerStoreName = `${prefix}-outer-store`;
  if (type !== 'inner') {
    stores.push({
      name: outerStoreName,
      kind: 'keyValue',
      keySerde: outerJoinKeySerde(keySerde),
      valueSerde: jsonSerde(),
    });
  }
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
            leftStore: ctx.stores.getWindowStore<K, V>(`${prefix}-this-store`),
            rightStore: ctx.stores.getWindowStore<K, W>(`${prefix}-other-store`),
            windows,
            ...(type === 'inner'
              ? { type, joiner }
              : {
                  type,
                  joiner,
                  outerStore: ctx.stores.getKeyValueStore(outerStoreName) as OuterJoinStore<K, V | W>,
                }),
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
