// Before a topology runs, every topic it touches must exist with the right shape: declared external
// topics, its sources (which must exist — a typo in a source name is not silently created),
// internal repartition and changelog topics sized from their sources, sink topics, and the
// dead-letter topic.

import { KafkaError } from '../../core/errors.js';
import type { TopologyPlan } from '../../topology/plan.js';
import { changelogTopic, DOMAIN_RETENTION_MS, domainTopic, type TopicSpec } from '../kafka/topics.js';
import type { TransportAdmin } from '../transport/types.js';

export interface TopologyTopicOptions {
  declared: readonly TopicSpec[];
  defaultPartitions: number;
  replicationFactor: number;
  deadLetterTopic: string;
}

export async function ensureTopologyTopics(
  topics: TransportAdmin,
  plan: TopologyPlan,
  o: TopologyTopicOptions,
): Promise<void> {
  await topics.ensure(o.declared.map((t) => ({ replicationFactor: o.replicationFactor, ...t })));
  const internal = new Set(plan.internalTopics.map((t) => t.name));
  const externalSources = plan.sourceTopics.filter((t) => !internal.has(t));
  const existing = await topics.describe();
  const missing = externalSources.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    throw new KafkaError(
      'TOPIC_CONFLICT',
      `source topic(s) ${missing.map((t) => `'${t}'`).join(', ')} do not exist; declare them in \`topics\` or create them first`,
      {
        context: { topic: missing[0] },
      },
    );
  }
  const partitionsOf = (name: string | undefined): number | undefined =>
    name ? existing.get(name)?.partitions : undefined;
  const specs: TopicSpec[] = [];
  for (const t of plan.internalTopics) {
    let partitions = partitionsOf(t.partitionsFrom);
    if (partitions === undefined) {
      // Fall back to the widest external source of the sub-topology that owns the topic.
      const owner = plan.subtopologies.find(
        (s) =>
          s.sinkTopics.includes(t.name) ||
          plan.stores.some((st) => st.changelogTopic === t.name && st.subtopology === s.id),
      );
      const counts = (owner?.sourceTopics ?? externalSources)
        .map(partitionsOf)
        .filter((n): n is number => n !== undefined);
      partitions = counts.length > 0 ? Math.max(...counts) : o.defaultPartitions;
    }
    const spec =
      t.kind === 'changelog'
        ? changelogTopic(t.name, partitions, o.replicationFactor)
        : { name: t.name, partitions, replicationFactor: o.replicationFactor };
    specs.push({ ...spec, config: { ...spec.config, ...t.config } });
  }
  for (const sink of plan.sinkTopics) {
    if (!existing.has(sink) && !internal.has(sink))
      specs.push(domainTopic(sink, o.defaultPartitions, o.replicationFactor));
  }
  if (!existing.has(o.deadLetterTopic)) {
    specs.push({
      name: o.deadLetterTopic,
      partitions: 1,
      replicationFactor: o.replicationFactor,
      config: { 'retention.ms': String(DOMAIN_RETENTION_MS) },
    });
  }
  // Existing sinks and internal topics are verified (partition counts) by ensure as well.
  for (const t of plan.internalTopics) {
    const current = existing.get(t.name);
    const wanted = specs.find((s) => s.name === t.name);
    if (current && wanted && current.partitions !== wanted.partitions) {
      throw new KafkaError(
        'TOPIC_CONFLICT',
        `internal topic '${t.name}' has ${current.partitions} partition(s); its sources need ${wanted.partitions}`,
        { context: { topic: t.name } },
      );
    }
  }
  await topics.ensure(specs.filter((s) => !existing.has(s.name)));
}
