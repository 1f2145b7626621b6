// What the DSL handles share and never export: the builder's mutable state (names, nodes) and the
// shape of a stream — its node, the serdes known for its key and value, and whether its key
// changed since it was last partitioned.

import type { Serde } from '../../core/record.js';
import type { GraphNode } from '../graph/node.js';
import { NameGenerator } from '../names.js';

/** The builder's state: shared by every handle it hands out. */
export class BuilderState {
  readonly names = new NameGenerator();
  readonly nodes: GraphNode[] = [];
  private nextNodeId = 0;
  built = false;

  /** An id for a new node, in creation order. */
  nodeId(): number {
    return this.nextNodeId++;
  }

  add<N extends GraphNode>(node: N): N {
    this.nodes.push(node);
    return node;
  }
}

/** What a stream handle knows about its records. */
export interface StreamShape<K, V> {
  readonly node: GraphNode;
  readonly keySerde: Serde<K> | undefined;
  readonly valueSerde: Serde<V> | undefined;
  /** The key changed (map, selectKey, …) since the records were last partitioned by key. */
  readonly repartitionRequired: boolean;
  /** Where the key / value type last changed without a serde being given (for error messages). */
  readonly keyChangedAt?: string;
  readonly valueChangedAt?: string;
}

/** Handle internals live under this symbol so they stay out of the public API. */
export const internals: unique symbol = Symbol('tmbus.topology.internals');

/** Erases a serde's type for storage in graph nodes. */
export function anySerde<T>(serde: Serde<T> | undefined): Serde<unknown> | undefined {
  return serde as Serde<unknown> | undefined;
}
