// A processor: one stage (filter, aggregate, join, …) built from its parents' streams by a
// function the DSL supplies, usually `input.pipe(operator)`. Joins also name the two sides that
// must be co-partitioned.

import type { Observable } from 'rxjs';
import { GraphNode, type InstantiateContext, type NodeOptions } from './node.js';

/** Builds the stage of a processor for one task. */
export type StageFactory = (
  inputs: readonly Observable<unknown>[],
  ctx: InstantiateContext,
) => Observable<unknown>;

export interface ProcessorNodeOptions extends NodeOptions {
  /** For joins: the nodes whose records meet here and must come from co-partitioned topics. */
  readonly copartitionSides?: readonly GraphNode[];
}

export class ProcessorNode extends GraphNode {
  readonly role = 'processor' as const;
  readonly copartitionSides: readonly GraphNode[];

  constructor(
    id: number,
    name: string,
    parents: readonly GraphNode[],
    private readonly factory: StageFactory,
    options: ProcessorNodeOptions = {},
  ) {
    super(id, name, parents, options);
    this.copartitionSides = options.copartitionSides ?? [];
  }

  instantiate(inputs: readonly Observable<unknown>[], ctx: InstantiateContext): Observable<unknown> {
    return this.factory(inputs, ctx);
  }
}
