// Consumer-group lag as an operator (and the metrics exporter) sees it from outside the group:
// per partition the group's committed offset, the partition's high watermark and the difference.
// Read without joining the group, so asking never triggers a rebalance of the group asked about.

import type { ConnectionConfig } from '../../core/config.js';
import { OffsetLookup, partitionKey } from './offset-lookup.js';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Next offset the group will read; `null` when the group never committed on this partition. */
  committed: number | null;
  /** Log end offset of the partition. */
  highWatermark: number;
  /** `highWatermark − committed`; `null` without a commit (where it starts depends on auto.offset.reset). */
  lag: number | null;
}

export interface GroupLag {
  groupId: string;
  partitions: PartitionLag[];
  /** Sum of the known lags. */
  totalLag: number;
  /** Lag per topic (known lags only). */
  topics: Record<string, number>;
}

/**
 * Lag of `groupId` per partition. With `topics`, every partition of those topics is listed (with
 * `committed: null` where the group has no commit); without, the partitions of every non-internal
 * topic on which the group has committed offsets.
 *
 * @example
 * const { totalLag, partitions } = await consumerGroupLag(connection, 'tmbus-gateway');
 */
export async function consumerGroupLag(
  connection: ConnectionConfig,
  groupId: string,
  topics?: readonly string[],
): Promise<GroupLag> {
  const lookup = await OffsetLookup.open(connection, groupId);
  try {
    const explicit = topics !== undefined && topics.length > 0;
    const candidates = explicit ? await lookup.partitionsOf(topics) : await lookup.allPartitions();
    const committed = await lookup.committed(candidates);
    const listed = explicit ? candidates : candidates.filter((tp) => committed.get(partitionKey(tp)) != null);
    const watermarks = await lookup.watermarks(listed);
    const partitions = listed
      .map((tp): PartitionLag => {
        const c = committed.get(partitionKey(tp)) ?? null;
        const high = watermarks.get(partitionKey(tp))!.high;
        return { ...tp, committed: c, highWatermark: high, lag: c === null ? null : Math.max(0, high - c) };
      })
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    const byTopic: Record<string, number> = {};
    for (const p of partitions) byTopic[p.topic] = (byTopic[p.topic] ?? 0) + (p.lag ?? 0);
    return {
      groupId,
      partitions,
      totalLag: partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0),
      topics: byTopic,
    };
  } finally {
    await lookup.close();
  }
}
