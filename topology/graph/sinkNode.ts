// A sink: serializes records for a topic — fixed, internal (repartition), or chosen per record by
// an extractor over a declared set of topics (priority lanes). Missing serdes are reported at build
// time with the stage where the type changed and the call that can supply one.

import type { Observable } from 'rxjs';
import type { Serde } from '../../core/record.js';
import type { StreamRecord } from '../../processors/record.js';
import { sink, type TopicExtractor } from '../../processors/sink.js';
import { type BuildIssue, GraphNode, type InstantiateContext, resolveTopic, type TopicRef } from './node.js';

/** Where a sink writes. */
export type SinkTarget =
  | { readonly kind: 'topic'; readonly topic: TopicRef }
  | {
      readonly kind: 'extractor';
      /** Shown in describe(), e.g. `priorityLane`. */
      readonly label: string;
      readonly extractor: TopicExtractor<unknown, unknown>;
      /** Every topic the extractor may return. */
      readonly topics: readonly string[];
    };

export interface SinkNodeOptions {
  readonly keySerde: Serde<unknown> | undefined;
  readonly valueSerde: Serde<unknown> | undefined;
  /** Stages where the key / value type changed without a serde, for the error message. */
  readonly keyChangedAt?: string;
  readonly valueChangedAt?: string;
  /** The DSL call that accepts the missing serde, e.g. `to()` or `groupBy()`. */
  readonly serdeCall: string;
  /** Repartition sinks drop null keys (they could not be grouped anyway). */
  readonly dropNullKeys?: boolean;
}

export class SinkNode extends GraphNode {
  readonly role = 'sink' as const;

  constructor(
    id: number,
    name: string,
    parent: GraphNode,
    readonly target: SinkTarget,
    readonly options: SinkNodeOptions,
  ) {
    super(id, name, [parent]);
  }

  /** Topics this sink may write (internal ones as refs). */
  get topicRefs(): TopicRef[] {
    return this.target.kind === 'topic'
      ? [this.target.topic]
      : this.target.topics.map((name) => ({ name, internal: false }));
  }

  instantiate(inputs: readonly Observable<unknown>[], ctx: InstantiateContext): Observable<unknown> {
    const { keySerde, valueSerde } = this.options;
    const topic =
      this.target.kind === 'topic'
        ? resolveTopic(this.target.topic, ctx.applicationId)
        : this.target.extractor;
    return (inputs[0] as Observable<StreamRecord<unknown, unknown>>).pipe(
      sink(this.name, {
        topic,
        keySerde: keySerde as Serde<unknown>,
        valueSerde: valueSerde as Serde<unknown>,
        keepInheritedEnvelope: this.target.kind === 'topic' && this.target.topic.internal,
        dropNullKeys: this.options.dropNullKeys === true,
      }),
    );
  }

  override validate(issues: BuildIssue[]): void {
    const where =
      this.target.kind === 'topic'
        ? `${this.target.topic.internal ? 'repartition topic' : 'topic'} '${this.target.topic.name}'`
        : `topics [${this.target.topics.join(', ')}]`;
    for (const part of ['key', 'value'] as const) {
      if (this.options[`${part}Serde`]) continue;
      const changedAt = this.options[`${part}ChangedAt`];
      const why = changedAt ? `: the ${part} type changed at ${changedAt}` : '';
      issues.push({
        stage: this.name,
        message: `${this.name} writing to ${where} has no ${part} serde${why}; pass { ${part}: serde } to ${this.options.serdeCall}`,
      });
    }
  }
}
