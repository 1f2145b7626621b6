// The logical graph the DSL records (STYLE §1): nodes with parents and children, the stores they
// create or read, and a build-time `validate`. At run time each task asks every node of its
// sub-topology to `instantiate` its stage from its parents' streams — every node writes its own
// runtime processor.

import type { Observable } from 'rxjs';
import type { Clock } from '../../core/clock.js';
import type { StoreDefinition, StoreProvider } from '../../processors/stores/types.js';

export type NodeRole = 'source' | 'processor' | 'sink';

/** A topic a node reads or writes. Internal topics are named after the app at build time. */
export interface TopicRef {
  /** External: the topic. Internal: the part after `<applicationId>-`. */
  readonly name: string;
  readonly internal: boolean;
}

/** The full name of a topic for one application. */
export function resolveTopic(ref: TopicRef, applicationId: string): string {
  return ref.internal ? `${applicationId}-${ref.name}` : ref.name;
}

/** What a node gets when a task instantiates it. */
export interface InstantiateContext {
  readonly applicationId: string;
  readonly stores: StoreProvider;
  /** The task's clock: timers set on it are the task's punctuations. */
  readonly clock: Clock;
}

/** A build-time problem, attributed to a stage. */
export interface BuildIssue {
  readonly stage: string;
  readonly message: string;
}

export interface NodeOptions {
  /** Stores this node creates (and owns). */
  readonly stores?: readonly StoreDefinition[];
  /** Stores of other nodes this node reads, e.g. a join reading a table's store. */
  readonly connectedStores?: readonly string[];
}

/** A node of the logical graph. */
export abstract class GraphNode {
  abstract readonly role: NodeRole;
  readonly children: GraphNode[] = [];
  readonly stores: readonly StoreDefinition[];
  readonly connectedStores: readonly string[];

  constructor(
    /** Creation order within the builder. */
    readonly id: number,
    readonly name: string,
    readonly parents: readonly GraphNode[],
    options: NodeOptions = {},
  ) {
    this.stores = options.stores ?? [];
    this.connectedStores = options.connectedStores ?? [];
    for (const parent of parents) parent.children.push(this);
  }

  /** Every store the node touches (created or connected). */
  get storeNames(): string[] {
    return [...this.stores.map((s) => s.name), ...this.connectedStores];
  }

  /** Builds this node's stage for one task from the streams of its parents (in parent order). */
  abstract instantiate(inputs: readonly Observable<unknown>[], ctx: InstantiateContext): Observable<unknown>;

  /** Reports what the node itself knows is wrong (a missing serde, …). */
  validate(_issues: BuildIssue[]): void {}
}
