// Before a plan runs on the in-process broker, every topic it touches must exist: external sources
// and sinks (topics the services or another application already created keep their partition
// count), then repartition and changelog topics sized like the topic they follow — the same rule
// the Kafka runtime applies, so co-partitioned joins meet their table partition here too.

import type { TopologyPlan } from '../../topology/plan.js';
import type { InProcessBroker } from '../testing/broker.js';

/**
 * Creates the topics of `plan` that do not exist yet.
 *
 * @example
 * ensurePlanTopics(broker, plan, 3); // or without a count: the broker's `defaultPartitions`
 */
export function ensurePlanTopics(broker: InProcessBroker, plan: TopologyPlan, partitions?: number): void {
  // Without a count, the broker's own default applies.
  const settings = partitions === undefined ? {} : { partitions };
  for (const topic of [...plan.sourceTopics, ...plan.sinkTopics]) {
    if (!broker.hasTopic(topic)) broker.createTopic(topic, settings);
  }
  for (const internal of plan.internalTopics) {
    if (broker.hasTopic(internal.name)) continue;
    const from = internal.partitionsFrom;
    const count = from && broker.hasTopic(from) ? broker.partitionCount(from) : partitions;
    broker.createTopic(internal.name, {
      ...(count === undefined ? {} : { partitions: count }),
      config: internal.config,
    });
  }
}
