// A source: reads one or more topics (external, or an internal repartition topic) with its key
// and value serdes. The task feeds it raw records after deserializing them; it has no stage of
// its own. Table sources keep null values (deletes); stream sources skip them.

import type { Observable } from 'rxjs';
import type { Serde } from '../../core/record.js';
import type { PartitionerName } from '../partitioner.js';
import { type BuildIssue, GraphNode, type TopicRef } from './node.js';

export interface SourceNodeOptions {
  readonly keySerde: Serde<unknown> | undefined;
  readonly valueSerde: Serde<unknown> | undefined;
  /** Read as a table: null values are deletes and are forwarded. */
  readonly table: boolean;
  /** How producers of these topics place keys (co-partitioning check). */
  readonly partitioner: PartitionerName | undefined;
}

export class SourceNode extends GraphNode {
  readonly role = 'source' as const;

  constructor(
    id: number,
    name: string,
    readonly topics: readonly TopicRef[],
    readonly options: SourceNodeOptions,
  ) {
    super(id, name, []);
  }

  get internal(): boolean {
    return this.topics.some((t) => t.internal);
  }

  instantiate(inputs: readonly Observable<unknown>[]): Observable<unknown> {
    return inputs[0] as Observable<unknown>;
  }

  override validate(issues: BuildIssue[]): void {
    if (this.internal) return; // the repartition sink writing the topic reports missing serdes
    const topics = this.topics.map((t) => `'${t.name}'`).join(', ');
    for (const part of ['key', 'value'] as const) {
      if (!this.options[`${part}Serde`]) {
        issues.push({
          stage: this.name,
          message: `${this.name} reading ${topics} has no ${part} serde; pass { ${part}: serde }`,
        });
      }
    }
  }
}
