// Content and catalog routing: `split` into named branches by predicate, routing by event type
// (one branch per type, values narrowed) and by priority lane, and writing each event to its lane
// topic. A split is one node evaluating the predicates once per record plus one node per branch;
// branch nodes are named `<split name>-<branch name>`.

import type { Observable } from 'rxjs';
import { TopologyError } from '../../core/errors.js';
import type { StreamRecord } from '../../processors/record.js';
import { type BranchedRecord, selectBranch, split } from '../../processors/split.js';
import {
  type EventType,
  isEventType,
  LANE_TOPICS,
  laneTopic,
  PRIORITIES,
  type Priority,
  priorityOf,
} from '../../schemas/catalog.js';
import { ProcessorNode } from '../graph/processorNode.js';
import { validateName } from '../names.js';
import { internals } from './internals.js';
import { KStream } from './kstream.js';
import type { Named, Produced } from './options.js';
import { addSink } from './stages.js';

/** The event types a value can carry (its `header.eventType`). */
export type EventTypeOfValue<V> = V extends {
  readonly header: { readonly eventType: infer E extends string };
}
  ? E
  : never;

/** `V` narrowed to the event type `T` (unchanged if `V` is not discriminated by it). */
export type NarrowToEventType<V, T> = [Extract<V, { header: { eventType: T } }>] extends [never]
  ? V
  : Extract<V, { header: { eventType: T } }>;

/** The branches of `routeByEventType`: one per type, plus `other`. */
export type RoutedByEventType<K, V, T extends string> = {
  readonly [P in T]: KStream<K, NarrowToEventType<V, P>>;
} & {
  readonly other: KStream<K, V>;
};

type Predicate<K, V> = (value: V, key: K) => boolean;

function eventTypeOf(value: unknown): EventType {
  const type = (value as { header?: { eventType?: unknown } } | null)?.header?.eventType;
  if (!isEventType(type))
    throw new TypeError(`value has no catalog event type in header.eventType (got ${String(type)})`);
  return type;
}

/** Adds the split node and one node per branch; returns the branch streams by branch name. */
function createSplit<K, V>(
  stream: KStream<K, V>,
  splitName: string,
  branches: readonly { name: string; predicate: Predicate<K, V> }[],
  defaultBranch: string | undefined,
): Record<string, KStream<K, V>> {
  const { state, shape } = stream[internals];
  const names = [...branches.map((b) => b.name), ...(defaultBranch === undefined ? [] : [defaultBranch])];
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new TopologyError(`split ${splitName}: branch '${n}' is defined twice`);
    seen.add(n);
    validateName(`${splitName}-${n}`, `branch '${n}' of ${splitName}`);
  }
  const predicates = branches.map((b) => b.predicate);
  const splitNode = state.add(
    new ProcessorNode(state.nodeId(), splitName, [shape.node], (inputs) =>
      (inputs[0] as Observable<StreamRecord<K, V>>).pipe(
        split(splitName, predicates, defaultBranch !== undefined),
      ),
    ),
  );
  const result: Record<string, KStream<K, V>> = {};
  names.forEach((branch, index) => {
    const name = `${splitName}-${branch}`;
    const node = state.add(
      new ProcessorNode(state.nodeId(), name, [splitNode], (inputs) =>
        (inputs[0] as Observable<BranchedRecord<K, V>>).pipe(selectBranch(name, index)),
      ),
    );
    result[branch] = new KStream(state, { ...shape, node });
  });
  return result;
}

/**
 * Named branches of a stream, added with `branch` and closed with `defaultBranch` or
 * `noDefaultBranch`, which return the branch streams by name.
 */
export class BranchedKStream<K, V, B extends Record<string, KStream<K, unknown>>> {
  private readonly splitName: string;
  private readonly branches: { name: string; predicate: Predicate<K, V> }[] = [];
  private closed = false;

  /** @internal use `KStream.split()` */
  constructor(
    private readonly stream: KStream<K, V>,
    options: Named | undefined,
  ) {
    this.splitName = stream[internals].state.names.next('SPLIT', options?.name, 'split');
  }

  /** A branch taking the records (not claimed by earlier branches) that satisfy `predicate`. */
  branch<N extends string, S extends V>(
    name: N,
    predicate: (value: V, key: K) => value is S,
  ): BranchedKStream<K, V, B & Record<N, KStream<K, S>>>;
  branch<N extends string>(
    name: N,
    predicate: Predicate<K, V>,
  ): BranchedKStream<K, V, B & Record<N, KStream<K, V>>>;
  branch(name: string, predicate: Predicate<K, V>): unknown {
    this.branches.push({ name, predicate });
    return this;
  }

  /** Closes the split; records matching no branch go to the branch `name`. */
  defaultBranch<N extends string = 'default'>(name?: N): B & Record<N, KStream<K, V>> {
    return this.close(name ?? 'default') as B & Record<N, KStream<K, V>>;
  }

  /** Closes the split; records matching no branch are dropped. */
  noDefaultBranch(): B {
    return this.close(undefined) as B;
  }

  private close(defaultBranch: string | undefined): Record<string, KStream<K, V>> {
    if (this.closed) throw new TopologyError(`split ${this.splitName} is already closed`);
    this.closed = true;
    return createSplit(this.stream, this.splitName, this.branches, defaultBranch);
  }
}

/** `KStream.routeByEventType`. */
export function routeByEventTypeStage<K, V, T extends string>(
  stream: KStream<K, V>,
  types: readonly T[],
  options: Named | undefined,
): RoutedByEventType<K, V, T> {
  const name = stream[internals].state.names.next('ROUTE-EVENT-TYPE', options?.name, 'routeByEventType');
  for (const t of types) {
    if (!isEventType(t))
      throw new TopologyError(`routeByEventType ${name}: '${t}' is not an event type of the catalog`);
  }
  const branches = types.map((t) => ({ name: t as string, predicate: (v: V) => eventTypeOf(v) === t }));
  return createSplit(stream, name, branches, 'other') as unknown as RoutedByEventType<K, V, T>;
}

/** `KStream.routeByPriority`. */
export function routeByPriorityStage<K, V>(
  stream: KStream<K, V>,
  options: Named | undefined,
): Record<Priority, KStream<K, V>> {
  const name = stream[internals].state.names.next('ROUTE-PRIORITY', options?.name, 'routeByPriority');
  const branches = PRIORITIES.map((p) => ({
    name: p as string,
    predicate: (v: V) => priorityOf(eventTypeOf(v)) === p,
  }));
  return createSplit(stream, name, branches, undefined) as Record<Priority, KStream<K, V>>;
}

/** `KStream.toPriorityLanes`. */
export function toPriorityLanesStage<K, V>(stream: KStream<K, V>, options: Produced<K, V> | undefined): void {
  addSink(
    stream,
    {
      label: 'priorityLane',
      extractor: (value) => laneTopic(priorityOf(eventTypeOf(value))),
      topics: LANE_TOPICS,
    },
    options,
    'toPriorityLanes()',
  );
}
