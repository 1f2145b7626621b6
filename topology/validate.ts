// Build-time validation passes (STYLE §1, SPEC §4.1), run in this order: duplicate names, explicit
// state names (when required), missing serdes, unknown topics (strict catalog), cycles, and
// co-partitioning of joins (partition counts and key placement). The first problem found becomes a
// `TopologyError` naming the stage; the message says how many more there are.

import { TopologyError } from '../core/errors.js';
import { findCycle, upstreamSources } from './graph/analysis.js';
import type { BuildIssue, GraphNode } from './graph/node.js';
import { ProcessorNode } from './graph/processorNode.js';
import { SinkNode } from './graph/sinkNode.js';
import { SourceNode } from './graph/sourceNode.js';
import { NameGenerator } from './names.js';
import { DEFAULT_PARTITIONER, keyPlacement, type PartitionerName } from './partitioner.js';
import type { TopicCatalog } from './topicCatalog.js';

export interface ValidationOptions {
  readonly catalog?: TopicCatalog;
  readonly requireExplicitStateNames?: boolean;
}

function duplicateNames(nodes: readonly GraphNode[], issues: BuildIssue[]): void {
  const byName = new Map<string, GraphNode[]>();
  for (const n of nodes) byName.set(n.name, [...(byName.get(n.name) ?? []), n]);
  for (const [name, same] of byName) {
    if (same.length > 1) {
      issues.push({
        stage: name,
        message: `duplicate stage name '${name}': given to ${same.length} stages; stage names must be unique`,
      });
    }
  }
  const storeOwners = new Map<string, string[]>();
  for (const n of nodes)
    for (const s of n.stores) storeOwners.set(s.name, [...(storeOwners.get(s.name) ?? []), n.name]);
  for (const [store, owners] of storeOwners) {
    if (owners.length > 1) {
      issues.push({
        stage: owners[1] as string,
        message: `duplicate store name '${store}': declared by ${owners.join(' and ')}; store names must be unique`,
      });
    }
  }
}

function explicitStateNames(nodes: readonly GraphNode[], issues: BuildIssue[]): void {
  for (const n of nodes) {
    for (const s of n.stores) {
      if (NameGenerator.isGenerated(s.name)) {
        issues.push({
          stage: n.name,
          message: `store '${s.name}' of ${n.name} has a generated name; name the stage or its store (requireExplicitStateNames)`,
        });
      }
    }
    if (
      n instanceof SinkNode &&
      n.target.kind === 'topic' &&
      n.target.topic.internal &&
      NameGenerator.isGenerated(n.target.topic.name)
    ) {
      issues.push({
        stage: n.name,
        message: `repartition topic '${n.target.topic.name}' has a generated name; name the grouping, join or correlate stage (requireExplicitStateNames)`,
      });
    }
  }
}

function unknownTopics(nodes: readonly GraphNode[], catalog: TopicCatalog, issues: BuildIssue[]): void {
  for (const n of nodes) {
    const refs = n instanceof SourceNode ? n.topics : n instanceof SinkNode ? n.topicRefs : [];
    for (const t of refs) {
      if (t.internal || t.name in catalog) continue;
      const verb = n instanceof SourceNode ? 'reads' : 'writes to';
      issues.push({
        stage: n.name,
        message: `${n.name} ${verb} unknown topic '${t.name}' (not in the build catalog)`,
      });
    }
  }
}

function partitionerOf(
  source: SourceNode,
  topic: string,
  catalog: TopicCatalog | undefined,
): PartitionerName {
  if (source.internal) return DEFAULT_PARTITIONER;
  return catalog?.[topic]?.partitioner ?? source.options.partitioner ?? DEFAULT_PARTITIONER;
}

function copartitioning(
  nodes: readonly GraphNode[],
  catalog: TopicCatalog | undefined,
  issues: BuildIssue[],
): void {
  for (const n of nodes) {
    if (!(n instanceof ProcessorNode) || n.copartitionSides.length < 2) continue;
    const inputs = n.copartitionSides.flatMap((side) =>
      upstreamSources(side).flatMap((s) =>
        s.topics.map((t) => ({ source: s, topic: t.name, internal: t.internal })),
      ),
    );
    const external = inputs.filter((i) => !i.internal);
    const counted = external.filter((i) => catalog?.[i.topic] !== undefined);
    const counts = new Set(counted.map((i) => catalog?.[i.topic]?.partitions));
    if (counts.size > 1) {
      const list = counted.map((i) => `'${i.topic}' has ${catalog?.[i.topic]?.partitions}`).join(', ');
      issues.push({
        stage: n.name,
        message: `co-partitioning mismatch at ${n.name}: ${list} partitions; the topics joined must have the same number of partitions`,
      });
    }
    const placements = inputs.map((i) => ({ ...i, partitioner: partitionerOf(i.source, i.topic, catalog) }));
    const random = placements.find((p) => keyPlacement(p.partitioner) === 'random');
    const kinds = new Set(placements.map((p) => keyPlacement(p.partitioner)));
    if (random || kinds.size > 1) {
      const list = placements
        .map((p) => `'${p.internal ? `<app>-${p.topic}` : p.topic}' uses ${p.partitioner}`)
        .join(', ');
      issues.push({
        stage: n.name,
        message: `co-partitioning mismatch at ${n.name}: ${list}; the topics joined must place keys with the same hash (use murmur2_random, the Java-compatible default)`,
      });
    }
  }
}

/** Runs every pass; throws the first problem as a `TopologyError`. */
export function validateTopology(nodes: readonly GraphNode[], options: ValidationOptions): void {
  const issues: BuildIssue[] = [];
  duplicateNames(nodes, issues);
  if (options.requireExplicitStateNames) explicitStateNames(nodes, issues);
  for (const n of nodes) n.validate(issues);
  if (options.catalog) unknownTopics(nodes, options.catalog, issues);
  const cycle = findCycle(nodes);
  if (cycle)
    issues.push({
      stage: cycle.first.name,
      message: `cycle: ${cycle.path}; a topology must not feed its own input`,
    });
  copartitioning(nodes, options.catalog, issues);
  const [first] = issues;
  if (!first) return;
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new TopologyError(`${first.message}${more}`, {
    context: { stage: first.stage, issues: issues.map((i) => i.message) },
  });
}
