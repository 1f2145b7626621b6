// A sub-topology run as direct calls: when every stage of a task's sub-topology is a plain
// `operate` stage (filter, map, split, branch, aggregate, sink, …), the task calls the stages'
// handlers itself — the same handlers, built by the same `init`, that RxJS would call — so a record
// goes from source to sink as a chain of function calls, with no Subscriber, Subject or `share`
// per stage (STYLE §12: the hot path is a loop, not a pipeline). What RxJS guarantees is kept: a
// throw fails the stage with an error naming it, nothing is emitted after a failure until the task
// wires a fresh graph, `finalize` always runs, handlers are created downstream first (a stage
// that emits while it is created finds its consumers ready), and a stage with several children
// feeds them in the order RxJS's `share` would (the order their first sinks were subscribed in).
// Any other stage — `merge`, a user `pipe`, a join over two inputs — leaves the sub-topology on the
// RxJS path.

import { trace } from '@opentelemetry/api';
import { Observable } from 'rxjs';
import {
  callStage,
  fusableStage,
  type StageHandlers,
  type StageOutput,
  stageError,
} from '../processors/operate.js';
import type { StreamRecord } from '../processors/record.js';
import type { GraphNode, InstantiateContext } from './graph/node.js';
import { SinkNode } from './graph/sinkNode.js';
import type { TaskBlueprint } from './task.js';

export interface FusedGraph {
  /** Feeds a deserialized record to the source of each topic. */
  readonly inputs: ReadonlyMap<string, (record: StreamRecord<unknown, unknown>) => void>;
  /** Ends the graph: nothing more is emitted, every stage's `finalize` runs. */
  close(): void;
}

export interface FuseHooks {
  /** A sink emitted an output record. */
  output(value: unknown): void;
  /** A stage failed (the first failure only; the graph is dead afterwards). */
  fail(error: unknown): void;
  /** Per-stage output counting (metrics), when wanted. */
  count?: ((stage: string) => void) | undefined;
}

interface Fused {
  readonly node: GraphNode;
  /** Present for a stage; absent for a node that passes its parent's records on (source, toStream). */
  readonly stage?: { name: string; init: (out: StageOutput<unknown>) => StageHandlers<unknown> };
  children: Fused[];
  accept: (value: unknown) => void;
}

/**
 * The blueprint as direct calls, or undefined when a stage is not a plain `operate` stage (the
 * task then wires RxJS). Instantiating nodes has no effect beyond building their operators:
 * handlers are only created here, by `init`.
 */
export function fuse(
  blueprint: TaskBlueprint,
  ctx: InstantiateContext,
  hooks: FuseHooks,
): FusedGraph | undefined {
  const markers = new Map<GraphNode, Observable<unknown>>();
  const fused = new Map<GraphNode, Fused>();
  for (const node of blueprint.nodes) {
    let entry: Fused;
    if (node.role === 'source') {
      const marker = new Observable<unknown>();
      if (node.instantiate([marker], ctx) !== marker) return undefined;
      entry = { node, children: [], accept: () => undefined };
      markers.set(node, marker);
    } else {
      if (node.parents.length !== 1) return undefined;
      const parentMarker = markers.get(node.parents[0]!)!;
      const stream = node.instantiate([parentMarker], ctx);
      if (stream === parentMarker) {
        entry = { node, children: [], accept: () => undefined }; // passes records on as they are
      } else {
        const stage = fusableStage(stream);
        if (!stage || stage.source !== parentMarker) return undefined;
        entry = {
          node,
          stage: { name: stage.stage, init: stage.init },
          children: [],
          accept: () => undefined,
        };
      }
      fused.get(node.parents[0]!)!.children.push(entry);
      markers.set(node, stream);
    }
    fused.set(node, entry);
  }

  // RxJS's `share` feeds children in subscription order, and the task subscribes sinks (leaves) in
  // node order: a child comes before another when its first leaf does.
  const firstLeaf = new Map<Fused, number>();
  const leafIndex = (f: Fused): number => {
    const known = firstLeaf.get(f);
    if (known !== undefined) return known;
    const index =
      f.children.length === 0
        ? blueprint.nodes.indexOf(f.node)
        : Math.min(...f.children.map((c) => leafIndex(c)));
    firstLeaf.set(f, index);
    return index;
  };
  for (const f of fused.values()) f.children.sort((a, b) => leafIndex(a) - leafIndex(b));

  let dead = false;
  // A span is active for the record going through now (the runtime traces it): looked up once per
  // record, not once per stage. Emits outside a record (punctuation) run without one, as before.
  let traced = false;
  const finalizers: (() => void)[] = [];
  const fail = (stage: string, error: unknown) => {
    if (dead) return;
    dead = true;
    hooks.fail(stageError(stage, error));
  };
  const { count } = hooks;
  // Downstream first, as RxJS subscribes: each entry's `accept` is ready before its parent's init.
  const entries = [...fused.values()].reverse();
  for (const f of entries) {
    const isSink = f.node instanceof SinkNode;
    const children = f.children;
    const name = f.node.name;
    const deliver = (value: unknown): void => {
      if (dead) return;
      if (count) count(name);
      if (isSink) hooks.output(value);
      for (let i = 0; i < children.length; i++) children[i]!.accept(value);
    };
    if (!f.stage) {
      f.accept = deliver;
      continue;
    }
    const stage = f.stage.name;
    const out: StageOutput<unknown> = {
      stage,
      emit: deliver,
      fail: (error) => fail(stage, error),
      guard(fn) {
        if (dead) return;
        try {
          fn();
        } catch (error) {
          fail(stage, error);
        }
      },
    };
    let handlers: StageHandlers<unknown>;
    try {
      handlers = f.stage.init(out);
    } catch (error) {
      fail(stage, error);
      break;
    }
    const h = handlers;
    if (h.finalize) finalizers.push(() => h.finalize?.());
    f.accept = (value) => {
      if (!dead) callStage(stage, out, h, value, traced);
    };
  }

  const inputs = new Map<string, (record: StreamRecord<unknown, unknown>) => void>();
  for (const [topic, node] of blueprint.sources) {
    const entry = fused.get(node)!;
    inputs.set(topic, (record) => {
      traced = trace.getActiveSpan() !== undefined;
      try {
        entry.accept(record);
      } finally {
        traced = false;
      }
    });
  }
  return {
    inputs,
    close() {
      dead = true;
      for (const finalize of finalizers.splice(0)) finalize();
    },
  };
}
