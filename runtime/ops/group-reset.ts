// `replay --group`: instead of copying records, move a consumer group's committed offsets back to
// the first record at or after a time, so the group's own consumers re-read from there when they
// start. All partitions are committed in one request, and only while the group is inactive (the
// broker refuses a non-member's commit otherwise), so a reset never races a running member.

import type { ConnectionConfig } from '../../core/config.js';
import { ConfigError } from '../../core/errors.js';
import { OffsetLookup, partitionKey } from './offset-lookup.js';
import { parseTimeSpec } from './time-spec.js';

export interface GroupResetOptions {
  connection: ConnectionConfig;
  /** Group whose offsets move; it must have no running members. */
  groupId: string;
  /** Topics whose partitions are reset. */
  topics: readonly string[];
  /** Time to reset to: ISO-8601, `-15m`-style relative, or epoch ms. */
  from: string;
  /** Only compute the new offsets. @default false */
  dryRun?: boolean;
  /** Instant relative times count back from. @default Date.now() */
  now?: number;
}

export interface PartitionReset {
  topic: string;
  partition: number;
  /** Committed offset before the reset; `null` when the group had none. */
  previous: number | null;
  /** Committed offset after the reset (first record at or after `from`). */
  offset: number;
}

export interface GroupResetSummary {
  groupId: string;
  fromMs: number;
  partitions: PartitionReset[];
  /** False for a dry run. */
  committed: boolean;
}

/**
 * Resets `groupId`'s committed offsets on `topics` to the first records at or after `from`.
 *
 * @throws KafkaError when the group has running members (nothing is changed then)
 * @example
 * await resetGroupToTime({ connection, groupId: 'risk-topology', topics: ['tm.orders'], from: '-1h' });
 */
export async function resetGroupToTime(options: GroupResetOptions): Promise<GroupResetSummary> {
  if (options.topics.length === 0) {
    throw new ConfigError('name at least one topic to reset', { context: { configKey: 'topic' } });
  }
  const fromMs = parseTimeSpec(options.from, options.now ?? Date.now(), 'from').epochMs;
  const lookup = await OffsetLookup.open(options.connection, options.groupId);
  try {
    const partitions = await lookup.partitionsOf(options.topics);
    const targets = await lookup.offsetsForTime(partitions, fromMs);
    const previous = await lookup.committed(partitions);
    const resets = partitions.map((tp) => ({
      ...tp,
      previous: previous.get(partitionKey(tp)) ?? null,
      offset: targets.get(partitionKey(tp))!,
    }));
    if (!options.dryRun)
      lookup.commit(resets.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
    return { groupId: options.groupId, fromMs, partitions: resets, committed: !options.dryRun };
  } finally {
    await lookup.close();
  }
}
