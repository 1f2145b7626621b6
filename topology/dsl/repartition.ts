// Repartitioning: when a stream's key changed and a key-based stateful stage (aggregation, join,
// correlation) follows, records go through an internal topic `<app>-<NAME>-repartition` so that
// equal keys meet in the same task. In the graph that is a sink in the upstream sub-topology and a
// source in the downstream one, connected only by the topic.

import type { Serde } from '../../core/record.js';
import { SinkNode } from '../graph/sinkNode.js';
import { SourceNode } from '../graph/sourceNode.js';
import { DEFAULT_PARTITIONER } from '../partitioner.js';
import { anySerde, type BuilderState, type StreamShape } from './internals.js';

/**
 * Routes `shape` through the repartition topic of `baseName` and returns the shape of its source.
 * `serdeCall` names the DSL call that accepts serdes, for the missing-serde message.
 */
export function repartition<K, V>(
  state: BuilderState,
  shape: StreamShape<K, V>,
  baseName: string,
  serdes: { key?: Serde<K>; value?: Serde<V> },
  serdeCall: string,
): StreamShape<K, V> {
  const keySerde = serdes.key ?? shape.keySerde;
  const valueSerde = serdes.value ?? shape.valueSerde;
  const topic = { name: `${baseName}-repartition`, internal: true };
  state.add(
    new SinkNode(
      state.nodeId(),
      `${baseName}-repartition-sink`,
      shape.node,
      { kind: 'topic', topic },
      {
        keySerde: anySerde(keySerde),
        valueSerde: anySerde(valueSerde),
        keyChangedAt: shape.keyChangedAt,
        valueChangedAt: shape.valueChangedAt,
        serdeCall,
        dropNullKeys: true,
      },
    ),
  );
  const source = state.add(
    new SourceNode(state.nodeId(), `${baseName}-repartition-source`, [topic], {
      keySerde: anySerde(keySerde),
      valueSerde: anySerde(valueSerde),
      table: false,
      partitioner: DEFAULT_PARTITIONER,
    }),
  );
  return { node: source, keySerde, valueSerde, repartitionRequired: false };
}
