// Commits what has been processed. At-least-once: every commit interval, the lowest unfinished
// offset of each partition (OffsetTracker) is taken, the writer's barrier waits until every output
// handed over before it is acknowledged (processing goes on meanwhile), and then the offsets go to
// the group — nothing is committed past a record whose outputs are not acknowledged, and nothing at
// all once a write failed for good. Exactly-once: outputs, changelog writes (punctuations'
// included) and those offsets go in one Kafka transaction; processing pauses while it commits,
// since nothing may be written between a transaction's commit and the next begin. A transactional
// call that librdkafka marks retriable is called again; any other failure goes to `failed`, and the
// runtime recovers (TransactionRecovery) rather than exits.

import type { Logger } from '../../core/logger.js';
import { retry } from '../../core/retry.js';
import { transactionErrorKind } from '../kafka/kafka-errors.js';
import type { RuntimeMetrics } from '../observability/runtime-metrics.js';
import type {
  GroupMember,
  TopicPartition,
  TopicPartitionOffset,
  TransportProducer,
} from '../transport/types.js';
import { type OffsetTracker, partitionOfKey } from './offset-tracker.js';

export type ProcessingGuarantee = 'at_least_once' | 'exactly_once';

export interface CommitCoordinatorOptions {
  guarantee: ProcessingGuarantee;
  producer: TransportProducer;
  consumer: GroupMember;
  tracker: OffsetTracker;
  log: Logger;
  metrics?: RuntimeMetrics;
  /** Resolves once every record handed to the producer so far has its delivery report. */
  settled: () => Promise<void>;
  /** A write failed for good: no commit may go past it. */
  writeFailed?: () => boolean;
  /** A transaction could not commit (or begin): the runtime aborts it and rewinds. */
  failed: (e: unknown) => void;
  /** Called when a commit finished and processing may go on. */
  resumed: () => void;
  /**
   * After each successful commit (task checkpoints). Exactly-once: before the next transaction
   * begins, so nothing has been written since.
   */
  committed?: () => void;
}

export class CommitCoordinator {
  private inProgress?: Promise<void>;
  /** At-least-once: a commit waiting at the writer's barrier (processing goes on). */
  private pending?: Promise<void>;
  private dirty = false;
  /** Bumped by `reset`: a commit that began before it must not touch the new transaction. */
  private generation = 0;
  /** Aborted by `reset`: cuts short the retry wait of a commit of the abandoned transaction. */
  private abandoned = new AbortController();
  commits = 0;
  aborts = 0;

  constructor(private readonly o: CommitCoordinatorOptions) {}

  /** An exactly-once commit is running, so nothing may be produced now. */
  get committing(): Promise<void> | undefined {
    return this.inProgress;
  }

  /** Something was written in the current transaction. */
  markDirty(): void {
    this.dirty = true;
  }

  /** The current transaction was abandoned: nothing in it is pending any more. */
  reset(): void {
    this.dirty = false;
    this.generation++;
    this.abandoned.abort();
    this.abandoned = new AbortController();
  }

  /** Starts the transaction the first outputs go into (exactly-once). */
  async begin(): Promise<void> {
    if (this.o.guarantee === 'exactly_once') await this.o.producer.beginTransaction();
  }

  commit(): Promise<void> {
    if (this.inProgress) return this.inProgress;
    if (this.o.guarantee === 'at_least_once') {
      if (this.pending) return this.pending;
      const offsets = this.committableOffsets();
      if (offsets.length === 0) return Promise.resolve();
      const started = performance.now();
      this.pending = this.o
        .settled()
        .then(() => {
          this.commitOffsets(offsets, false);
          this.o.metrics?.commitLatency.observe(
            { guarantee: 'at_least_once' },
            (performance.now() - started) / 1000,
          );
        })
        .finally(() => {
          this.pending = undefined;
        });
      return this.pending;
    }
    this.inProgress = this.commitTransaction().finally(() => {
      this.inProgress = undefined;
      this.o.resumed();
    });
    return this.inProgress;
  }

  /** Before partitions go away: finish what is in flight and commit it synchronously. */
  async commitRevoked(partitions: readonly TopicPartition[]): Promise<void> {
    if (this.o.guarantee === 'exactly_once') {
      await this.o.settled();
      return this.commit();
    }
    // Taken before the barrier, like every at-least-once commit: processing goes on meanwhile.
    const revoked = (o: TopicPartitionOffset) =>
      partitions.some((p) => p.topic === o.topic && p.partition === o.partition);
    const offsets = this.committableOffsets().filter(revoked);
    await this.o.settled();
    this.commitOffsets(offsets, true);
  }

  /** Final commit of a graceful shutdown. */
  async commitFinal(): Promise<void> {
    if (this.o.guarantee === 'exactly_once') await this.commitTransaction().catch(() => undefined);
  }

  private commitOffsets(all: TopicPartitionOffset[], sync: boolean): void {
    if (this.o.writeFailed?.()) return;
    // Taken before the barrier: a partition revoked (and committed) meanwhile is not ours to commit.
    const offsets = all.filter((o) => this.o.tracker.ahead(`${o.topic}:${o.partition}`, o.offset));
    if (offsets.length === 0) return;
    try {
      this.o.consumer.commit(offsets, sync);
      for (const off of offsets) this.o.tracker.markCommitted(`${off.topic}:${off.partition}`, off.offset);
      this.commits++;
      this.o.committed?.();
    } catch (e) {
      this.o.log.warn({ err: e }, 'commit failed; the next interval retries it');
    }
  }

  private async commitTransaction(): Promise<void> {
    // Every output in this transaction must belong to a record whose offset it commits.
    const generation = this.generation;
    const started = performance.now();
    this.step('settling');
    await this.o.settled();
    if (generation !== this.generation) return;
    const offsets = this.committableOffsets();
    if (!this.dirty && offsets.length === 0) return;
    const { producer, tracker, metrics } = this.o;
    const again = {
      retries: 3,
      initialDelayMs: 200,
      // Abandoned meanwhile (recovery): never call again — that would write into the transaction the
      // recovery began, and hold the commit gate (all processing) through the retries' waits.
      isRetriable: (e: unknown) => generation === this.generation && transactionErrorKind(e) === 'retriable',
      signal: this.abandoned.signal,
    };
    try {
      this.step('sendOffsetsToTransaction');
      if (offsets.length > 0)
        await retry(() => producer.sendOffsetsToTransaction(offsets, this.o.consumer), again);
      if (generation !== this.generation) return;
      this.step('commitTransaction');
      await retry(() => producer.commitTransaction(), again);
      this.commits++;
      metrics?.transactions.inc({ result: 'commit' });
      metrics?.commitLatency.observe({ guarantee: 'exactly_once' }, (performance.now() - started) / 1000);
      for (const off of offsets) tracker.markCommitted(`${off.topic}:${off.partition}`, off.offset);
      this.dirty = false;
      this.o.committed?.();
      this.step('beginTransaction');
      await producer.beginTransaction();
    } catch (e) {
      if (generation !== this.generation) return; // abandoned meanwhile: recovery owns it
      // Stores now hold writes whose changelog records will be aborted: the runtime rewinds them.
      this.aborts++;
      this.o.failed(e);
    }
  }

  /** Where the running exactly-once commit is, and since when (for the runtime's stall report). */
  get commitStep(): string | undefined {
    return this.inProgress ? `${this.stepName} for ${Date.now() - this.stepSince} ms` : undefined;
  }

  private stepName = '';
  private stepSince = 0;
  private step(name: string): void {
    this.stepName = name;
    this.stepSince = Date.now();
  }

  private committableOffsets(): TopicPartitionOffset[] {
    const offsets: TopicPartitionOffset[] = [];
    for (const pk of this.o.tracker.partitions()) {
      const offset = this.o.tracker.committable(pk);
      if (offset === undefined) continue;
      offsets.push({ ...partitionOfKey(pk), offset });
    }
    return offsets;
  }
}
