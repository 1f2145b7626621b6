// The build catalog: the external topics a topology may use, with their partition counts and
// partitioners. Given to `build()`, it makes topic names strict (a typo is a build error, not a
// new topic) and lets the co-partitioning check compare partition counts.

import { CATALOG, EVENT_FAMILIES, LANE_TOPICS } from '../schemas/catalog.js';
import type { PartitionerName } from './partitioner.js';

/** What the build needs to know about a topic. */
export interface TopicInfo {
  /** @example 12 */
  readonly partitions: number;
  /**
   * How producers place keys on this topic.
   * @default 'murmur2_random'
   */
  readonly partitioner?: PartitionerName;
}

/** Known topics by name. */
export type TopicCatalog = Readonly<Record<string, TopicInfo>>;

/**
 * The TradeMaster topics: every family's domain topic and the four lane topics, with the given
 * partition counts, plus any extra topics.
 *
 * @example
 * builder.build({ applicationId: 'tm-risk', catalog: tradeMasterTopics({ partitions: 12 }) });
 */
export function tradeMasterTopics(options: {
  /** Partitions of every domain topic. */
  partitions: number;
  /** Partitions of the lane topics. @default `partitions` */
  lanePartitions?: number;
  /** More topics (or overrides), e.g. a compacted prices topic. @default {} */
  extra?: TopicCatalog;
}): TopicCatalog {
  const topics: Record<string, TopicInfo> = {};
  for (const family of EVENT_FAMILIES) topics[CATALOG[family].topic] = { partitions: options.partitions };
  for (const lane of LANE_TOPICS) topics[lane] = { partitions: options.lanePartitions ?? options.partitions };
  return { ...topics, ...options.extra };
}
