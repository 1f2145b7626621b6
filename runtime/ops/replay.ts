// Replay of a time range of a topic into another topic: the records between the first offsets at
// or after `from` and `to` (or the end offsets when the replay first started) are produced again
// with their key, value, headers and original timestamp. Each batch is checkpointed only after
// the target acknowledged every record of it, so an interrupted replay (Ctrl-C, abort signal, a
// killed pod) resumes where it stopped when run again with the same arguments.

import type { ConnectionConfig } from '../../core/config.js';
import { ConfigError } from '../../core/errors.js';
import { BusProducer } from '../kafka/producer.js';
import { TopicManager } from '../kafka/topics.js';
import { OffsetLookup } from './offset-lookup.js';
import { type PartitionRange, readRanges } from './range-reader.js';
import {
  FileCheckpointStore,
  type ReplayCheckpoint,
  type ReplayCheckpointStore,
  remainingRanges,
  replayIdOf,
} from './replay-checkpoint.js';
import { prefetching, rateThrottle } from './replay-pacing.js';
import { parseTimeSpec } from './time-spec.js';

export interface ReplayOptions {
  connection: ConnectionConfig;
  /** Source topic. */
  topic: string;
  /** Start of the range (inclusive): ISO-8601, `-15m`-style relative, or epoch ms. */
  from: string;
  /** End of the range (exclusive). @default the end offsets when the replay first starts */
  to?: string;
  /** Target topic; created with the source's partition count when missing. */
  into: string;
  /** Where checkpoints live. @default new FileCheckpointStore() (~/.cache/tmbus/replay) */
  checkpoints?: ReplayCheckpointStore;
  /** Overrides the id derived from topic, from, to and into. */
  replayId?: string;
  /** Forget an existing checkpoint and start over. @default false */
  restart?: boolean;
  /** Only compute and return the plan; produce nothing. @default false */
  dryRun?: boolean;
  /** Stops after the batch in flight is acknowledged and checkpointed. */
  signal?: AbortSignal;
  /** Replays at most this many records in this run (then stops as if interrupted). */
  maxRecords?: number;
  /** Caps the replay's produce rate so it does not crowd out live traffic, records/s. @default unlimited */
  maxRatePerSec?: number;
  /** Records read and produced per batch (and per checkpoint). @default 5000 */
  batchSize?: number;
  /** Instant relative times count back from. @default Date.now() */
  now?: number;
  /** Called once the plan is known, and after every acknowledged batch. */
  onProgress?: (progress: ReplayProgress) => void;
}

export interface ReplayProgress {
  /** Records replayed so far, previous runs included. */
  done: number;
  /** Records in the range (from the offsets: transaction markers make it a slight over-estimate). */
  total: number;
}

export interface PartitionReplay extends PartitionRange {
  /** Records replayed by this run. */
  replayed: number;
  /** Next offset to replay (equals `end` when the partition is done). */
  next: number;
}

export interface ReplaySummary {
  replayId: string;
  topic: string;
  into: string;
  fromMs: number;
  toMs: number | null;
  /** True when a checkpoint from an earlier run was picked up. */
  resumed: boolean;
  /** True when every partition reached its end offset. */
  completed: boolean;
  partitions: PartitionReplay[];
  /** Records produced by this run. */
  records: number;
  durationMs: number;
  /** Records per second of this run. */
  rate: number;
}

/**
 * Replays a time range of `topic` into `into`, resuming from its checkpoint.
 *
 * @example
 * const summary = await replayRange({ connection, topic: 'tm.orders', from: '-2h', into: 'tm.orders.replay' });
 * console.log(summary.records, summary.rate);
 */
export async function replayRange(options: ReplayOptions): Promise<ReplaySummary> {
  const started = Date.now();
  if (options.into === options.topic) {
    throw new ConfigError(`--into must differ from the source topic '${options.topic}'`, {
      context: { configKey: 'into' },
    });
  }
  const store = options.checkpoints ?? new FileCheckpointStore();
  const replayId =
    options.replayId ??
    replayIdOf({
      topic: options.topic,
      from: idPart(options.from, 'from'),
      to: options.to && idPart(options.to, 'to'),
      into: options.into,
    });
  if (options.restart) await store.remove(replayId);
  const previous = await store.load(replayId);
  if (previous && (previous.topic !== options.topic || previous.into !== options.into)) {
    throw new ConfigError(
      `checkpoint '${replayId}' belongs to a replay of ${previous.topic} into ${previous.into}; ` +
        'pick another replay id or pass restart',
      { context: { configKey: 'replayId' } },
    );
  }
  const checkpoint = previous ?? (await newCheckpoint(options, replayId));
  const total = sumOf(checkpoint.plan, (r) => r.end - r.start);
  const done = () => sumOf(remainingRanges(checkpoint), (r, i) => r.start - checkpoint.plan[i]!.start);
  options.onProgress?.({ done: done(), total });
  const replayed = new Map<number, number>();
  if (!options.dryRun) {
    if (!previous) await store.save(checkpoint);
    await copyRanges(options, checkpoint, store, replayed, () =>
      options.onProgress?.({ done: done(), total }),
    );
  }
  const remaining = remainingRanges(checkpoint);
  const records = sumOf([...replayed.values()], (n) => n);
  const durationMs = Date.now() - started;
  return {
    replayId,
    topic: options.topic,
    into: options.into,
    fromMs: checkpoint.fromMs,
    toMs: checkpoint.toMs,
    resumed: previous !== undefined,
    completed: remaining.every((r) => r.start >= r.end),
    partitions: checkpoint.plan.map((r, i) => ({
      ...r,
      replayed: replayed.get(r.partition) ?? 0,
      next: remaining[i]!.start,
    })),
    records,
    durationMs,
    rate: durationMs > 0 ? (records * 1000) / durationMs : 0,
  };
}

async function copyRanges(
  options: ReplayOptions,
  checkpoint: ReplayCheckpoint,
  store: ReplayCheckpointStore,
  replayed: Map<number, number>,
  progressed: () => void,
): Promise<void> {
  const ranges = remainingRanges(checkpoint);
  if (ranges.every((r) => r.start >= r.end)) return;
  const samePartitions = await ensureTarget(options, checkpoint.plan.length);
  const producer = new BusProducer({
    connection: options.connection,
    clientId: `${options.connection.kafka.clientId}-replay`,
    librdkafka: { 'linger.ms': 5 },
  });
  await producer.connect();
  let budget = options.maxRecords ?? Number.POSITIVE_INFINITY;
  const throttle = rateThrottle(options.maxRatePerSec, options.signal);
  try {
    const reader = prefetching(
      readRanges(options.connection, ranges, {
        batchSize: options.batchSize ?? 5000,
        signal: options.signal,
      }),
    );
    for await (const batch of reader) {
      const records = batch.slice(0, budget);
      await producer.sendAll(
        records.map((r) => ({
          topic: options.into,
          // Same partition when the partition counts match: per-partition order and placement are
          // kept exactly; otherwise the key decides, as it would for a live producer.
          partition: samePartitions ? r.partition : undefined,
          key: r.key,
          value: r.value,
          headers: r.headers,
          timestamp: r.timestamp,
        })),
      );
      // Only now, with every record of the batch acknowledged, may the checkpoint move past it.
      for (const r of records) {
        checkpoint.next[String(r.partition)] = r.offset + 1;
        replayed.set(r.partition, (replayed.get(r.partition) ?? 0) + 1);
      }
      checkpoint.updatedAt = new Date().toISOString();
      await store.save(checkpoint);
      progressed();
      budget -= records.length;
      if (budget <= 0 || options.signal?.aborted) break;
      await throttle(records.length);
    }
    // The reader's end detection also covers offsets that are not records (transaction markers):
    // when it finished without interruption, every partition is done.
    if (budget > 0 && !options.signal?.aborted) {
      for (const r of checkpoint.plan) checkpoint.next[String(r.partition)] = r.end;
      await store.save(checkpoint);
    }
  } finally {
    await producer.disconnect();
  }
}

async function newCheckpoint(options: ReplayOptions, replayId: string): Promise<ReplayCheckpoint> {
  const now = options.now ?? Date.now();
  const fromMs = parseTimeSpec(options.from, now, 'from').epochMs;
  const toMs = options.to === undefined ? null : parseTimeSpec(options.to, now, 'to').epochMs;
  if (toMs !== null && toMs <= fromMs) {
    throw new ConfigError(`--to (${options.to}) must be after --from (${options.from})`, {
      context: { configKey: 'to' },
    });
  }
  const lookup = await OffsetLookup.open(options.connection);
  try {
    const partitions = await lookup.partitionsOf([options.topic]);
    const starts = await lookup.offsetsForTime(partitions, fromMs);
    const ends =
      toMs === null
        ? new Map([...(await lookup.watermarks(partitions))].map(([k, w]) => [k, w.high]))
        : await lookup.offsetsForTime(partitions, toMs);
    const plan = partitions.map((tp) => {
      const start = starts.get(`${tp.topic}:${tp.partition}`)!;
      return { ...tp, start, end: Math.max(start, ends.get(`${tp.topic}:${tp.partition}`)!) };
    });
    const at = new Date(now).toISOString();
    return {
      version: 1,
      replayId,
      topic: options.topic,
      into: options.into,
      fromMs,
      toMs,
      createdAt: at,
      updatedAt: at,
      plan,
      next: {},
    };
  } finally {
    await lookup.close();
  }
}

/** Creates the target when missing; true when it has the source's partition count. */
async function ensureTarget(options: ReplayOptions, sourcePartitions: number): Promise<boolean> {
  const topics = new TopicManager(options.connection);
  const existing = (await topics.describe([options.into])).get(options.into);
  if (!existing) await topics.ensure([{ name: options.into, partitions: sourcePartitions }]);
  return (existing?.partitions ?? sourcePartitions) === sourcePartitions;
}

/** Relative specs enter the id as typed; absolute ones as their instant. */
function idPart(spec: string, option: string): string {
  const t = parseTimeSpec(spec, 0, option);
  return t.relative ? spec.trim() : String(t.epochMs);
}

function sumOf<T>(items: readonly T[], f: (item: T, index: number) => number): number {
  return items.reduce((acc, item, i) => acc + f(item, i), 0);
}
