// Exactly-once failover without exiting, as Kafka Streams handles a task migration: when a
// transaction fails (fenced producer, coordinator moved, a write or commit that cannot complete),
// every task is closed as a zombie — its queued records dropped, its in-flight writes disowned — the
// transaction is aborted (or, for a fenced or fatal producer, a new producer with the same
// transactional id fences the old epoch), each owned partition is rewound to its last committed
// offset, the tasks are re-created with their stores restored from the (read_committed) changelog,
// and a new transaction begins. The whole sequence is retried with backoff; the runtime fails only
// once the retry budget is spent.

import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { retry } from '../../core/retry.js';
import { transactionErrorKind } from '../kafka/kafka-errors.js';
import type { RuntimeMetrics } from '../observability/runtime-metrics.js';
import type { GroupMember, TopicPartition, TransportProducer } from '../transport/types.js';
import type { CommitCoordinator } from './commit-coordinator.js';
import type { OutputWriter } from './output-writer.js';
import type { PartitionIntake } from './partition-intake.js';
import type { RecordProcessor } from './record-processor.js';
import { type RuntimeRetryOptions, retriesExhausted, retryOptions } from './record-retry.js';
import type { TaskManager } from './task-manager.js';

export interface TransactionRecoveryOptions {
  producer: TransportProducer;
  consumer: GroupMember;
  tasks: TaskManager;
  intake: PartitionIntake;
  outputs: OutputWriter;
  commits: CommitCoordinator;
  records: RecordProcessor;
  log: Logger;
  metrics?: RuntimeMetrics;
  retry?: RuntimeRetryOptions;
  /** Recovered: processing may go on. */
  resumed: () => void;
  /** The budget is spent: the runtime must stop. */
  fail: (e: unknown) => void;
}

/** librdkafka's "beginning of partition" logical offset, for a partition without a commit. */
const OFFSET_BEGINNING = -2;

export class TransactionRecovery {
  private running?: Promise<void>;
  /** Completed recoveries. */
  recoveries = 0;

  constructor(private readonly o: TransactionRecoveryOptions) {}

  /** A recovery is under way: nothing may be processed, committed or written. */
  get active(): boolean {
    return this.running !== undefined;
  }

  /** Starts recovering from a failed transaction (a no-op while one recovery runs). */
  recover(cause: unknown): void {
    if (this.running) return;
    const { log, records, outputs } = this.o;
    log.warn(
      { err: errorMessage(cause), kind: transactionErrorKind(cause) },
      'transaction failed: closing tasks as zombies, rewinding to the last commit',
    );
    // From here, nothing in flight counts: its writes belong to the aborted transaction.
    records.abandonAll();
    this.o.commits.reset(); // a commit waiting for its writes must not go on with them
    outputs.reset();
    const started = Date.now();
    let attempts = 0;
    let last = cause;
    this.running = this.o.consumer
      .exclusive(() =>
        retry(
          async (attempt) => {
            attempts = attempt + 1;
            try {
              await this.rewind(attempt === 0 ? cause : last);
            } catch (e) {
              last = e;
              throw e;
            }
          },
          {
            ...retryOptions(this.o.retry),
            isRetriable: () => true,
            onRetry: (e, attempt, delayMs) =>
              log.warn({ err: errorMessage(e), attempt, delayMs }, 'transaction recovery retry'),
          },
        ),
      )
      .then(
        () => {
          this.recoveries++;
          log.info({ attempts, ms: Date.now() - started }, 'recovered from a failed transaction');
        },
        () => this.o.fail(retriesExhausted('exactly-once recovery', last, attempts, Date.now() - started)),
      )
      .finally(() => {
        this.running = undefined;
        this.o.resumed();
      });
  }

  private async rewind(cause: unknown): Promise<void> {
    const { producer, consumer, tasks, intake, commits } = this.o;
    const owned = consumer.assignment();
    consumer.pause(owned);
    this.o.metrics?.transactions.inc({ result: 'abort' });
    if (transactionErrorKind(cause) === 'fatal') await producer.reinitialize();
    else await producer.abortTransaction().catch(() => producer.reinitialize());
    this.o.outputs.reset(); // disown what the abort purged
    // Zombies: their stores hold writes of the aborted transaction, their queues records past it.
    intake.forget(owned);
    tasks.revoke(owned);
    const committed = await consumer.committed(owned);
    for (const tp of committed)
      consumer.seek({
        ...tp,
        offset: tp.offset !== undefined && tp.offset >= 0 ? tp.offset : OFFSET_BEGINNING,
      });
    const held = await tasks.assign(owned);
    intake.hold(held);
    commits.reset();
    await commits.begin();
    const keep = new Set(held.map((tp: TopicPartition) => `${tp.topic}:${tp.partition}`));
    consumer.resume(owned.filter((tp) => !keep.has(`${tp.topic}:${tp.partition}`)));
  }
}
