// `build()`: validates the logical graph, cuts it into sub-topologies, names internal topics and
// changelogs after the application, and assembles the `TopologyPlan` whose sub-topologies create
// `PipelineTask`s.

import { TopologyError } from '../core/errors.js';
import type { DescribedTopology } from './describe.js';
import { describeMermaid, describeText } from './describe.js';
import { groupSubtopologies, upstreamSources } from './graph/analysis.js';
import { type GraphNode, resolveTopic } from './graph/node.js';
import { ProcessorNode } from './graph/processorNode.js';
import { SinkNode } from './graph/sinkNode.js';
import { SourceNode } from './graph/sourceNode.js';
import { validateName } from './names.js';
import type { InternalTopicSpec, StoreSpec, SubtopologyPlan, TopologyPlan } from './plan.js';
import { PipelineTask } from './task.js';
import type { TopicCatalog } from './topicCatalog.js';
import { validateTopology } from './validate.js';

/** Options of `build()`. */
export interface BuildOptions {
  /**
   * Consumer group id and prefix of internal topics (`<applicationId>-<NAME>-repartition`,
   * `<applicationId>-<STORE>-changelog`).
   * @example 'tm-risk'
   */
  readonly applicationId: string;
  /**
   * Known external topics. When given, every external topic must be in it (a typo is a build
   * error), and joins are checked for equal partition counts.
   * @default none (topics are not checked; co-partitioning checks partitioners only)
   * @example tradeMasterTopics({ partitions: 12 })
   */
  readonly catalog?: TopicCatalog;
  /**
   * Refuse generated names for stores and repartition topics, so no stage insertion can ever
   * rename state.
   * @default false
   */
  readonly requireExplicitStateNames?: boolean;
}

const CHANGELOG_CONFIG = { 'cleanup.policy': 'compact' } as const;
const REPARTITION_CONFIG = {
  'cleanup.policy': 'delete',
  'retention.ms': String(7 * 24 * 3600 * 1000),
} as const;

const unique = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

function topicsOf(node: GraphNode, app: string): string[] {
  if (node instanceof SourceNode) return node.topics.map((t) => resolveTopic(t, app));
  if (node instanceof SinkNode) return node.topicRefs.map((t) => resolveTopic(t, app));
  return [];
}

/** Repartition topic → the external topic whose partition count it takes. */
function repartitionSizing(nodes: readonly GraphNode[], app: string): Map<string, string | undefined> {
  const sizing = new Map<string, string | undefined>();
  const externalOf = (node: GraphNode): string | undefined => {
    for (const s of upstreamSources(node)) {
      for (const t of s.topics) {
        const name = resolveTopic(t, app);
        const found = t.internal ? sizing.get(name) : name;
        if (found) return found;
      }
    }
    return undefined;
  };
  for (const n of nodes) {
    if (n instanceof SinkNode && n.target.kind === 'topic' && n.target.topic.internal) {
      sizing.set(resolveTopic(n.target.topic, app), externalOf(n));
    }
  }
  // A repartitioned side of a join takes the partition count of the other side.
  for (const n of nodes) {
    if (!(n instanceof ProcessorNode) || n.copartitionSides.length < 2) continue;
    const sides = n.copartitionSides.map((side) => upstreamSources(side));
    const external = sides.flat().find((s) => !s.internal);
    if (!external) continue;
    const target = resolveTopic(external.topics[0] as SourceNode['topics'][number], app);
    for (const s of sides.flat())
      if (s.internal) for (const t of s.topics) sizing.set(resolveTopic(t, app), target);
  }
  return sizing;
}

/** Compiles the builder's nodes into a plan. */
export function compile(nodes: readonly GraphNode[], options: BuildOptions): TopologyPlan {
  const app = validateName(options.applicationId, 'applicationId');
  if (nodes.length === 0)
    throw new TopologyError('the topology is empty: add a stream() or table() before build()');
  validateTopology(nodes, options);

  const groups = groupSubtopologies(nodes);
  const sizing = repartitionSizing(nodes, app);
  const stores: StoreSpec[] = [];
  const internalTopics: InternalTopicSpec[] = [];
  for (const [name, from] of sizing) {
    internalTopics.push({
      name,
      kind: 'repartition',
      ...(from ? { partitionsFrom: from } : {}),
      config: REPARTITION_CONFIG,
    });
  }
  const described: DescribedTopology = { subtopologies: [] };
  const subtopologies: SubtopologyPlan[] = groups.map((group, id) => {
    const sources = new Map<string, SourceNode>();
    for (const n of group) if (n instanceof SourceNode) for (const t of topicsOf(n, app)) sources.set(t, n);
    const sourceTopics = [...sources.keys()];
    const sinkTopics = unique(group.flatMap((n) => (n instanceof SinkNode ? topicsOf(n, app) : [])));
    const firstExternal = sourceTopics
      .map((t) => (sizing.has(t) ? sizing.get(t) : t))
      .find((t) => t !== undefined);
    const storeNames: string[] = [];
    for (const n of group) {
      for (const def of n.stores) {
        const changelogTopic = `${app}-${def.name}-changelog`;
        stores.push({ ...def, changelogTopic, subtopology: id });
        storeNames.push(def.name);
        internalTopics.push({
          name: changelogTopic,
          kind: 'changelog',
          ...(firstExternal ? { partitionsFrom: firstExternal } : {}),
          config: CHANGELOG_CONFIG,
        });
      }
    }
    described.subtopologies.push({ id, nodes: group, topicsOf: (n) => topicsOf(n, app) });
    const blueprint = { applicationId: app, nodes: group, sources };
    return {
      id,
      sourceTopics,
      sinkTopics,
      storeNames,
      createTask: (ctx) => new PipelineTask(blueprint, ctx),
    };
  });

  const internalNames = new Set(internalTopics.map((t) => t.name));
  const externalSources = nodes.filter((n): n is SourceNode => n instanceof SourceNode && !n.internal);
  const text = describeText(described);
  const mermaid = describeMermaid(described);
  return {
    applicationId: app,
    subtopologies,
    sourceTopics: unique(externalSources.flatMap((n) => topicsOf(n, app))),
    tableTopics: unique(externalSources.filter((n) => n.options.table).flatMap((n) => topicsOf(n, app))),
    sinkTopics: unique(nodes.flatMap((n) => (n instanceof SinkNode ? topicsOf(n, app) : []))).filter(
      (t) => !internalNames.has(t),
    ),
    internalTopics,
    stores,
    describe: () => text,
    describeMermaid: () => mermaid,
  };
}
