// Runs a compiled topology on a consumer group of its transport (Kafka through librdkafka, or the
// in-process broker of the demo and the test driver). One consumer and one producer per instance;
// records wait in per-partition queues and a PriorityLaneScheduler picks what runs next, so
// CRITICAL work overtakes a BACKGROUND backlog without reordering any partition. Backpressure pauses
// partitions whose queue is full. At-least-once commits an offset only once every output of the
// records before it is acknowledged; exactly-once wraps outputs, changelog writes (punctuations'
// included) and offsets in one Kafka transaction per commit interval, and a failed transaction is
// recovered in-process (TransactionRecovery) rather than by exiting.

import { performance } from 'node:perf_hooks';
import { type Clock, systemClock } from '../../core/clock.js';
import { BusError } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import { PriorityLaneScheduler } from '../lanes/priority-lane-scheduler.js';
import type { PartitionLag } from '../observability/runtime-metrics.js';
import type {
  ChangelogReader,
  GroupMember,
  TopicPartition,
  Transport,
  TransportProducer,
  TransportRecord,
} from '../transport/types.js';
import { CommitCoordinator, type ProcessingGuarantee } from './commit-coordinator.js';
import { defaultErrorHandlers } from './error-handlers.js';
import { headerPriority } from './kafka-message.js';
import { OffsetTracker } from './offset-tracker.js';
import { OutputWriter } from './output-writer.js';
import { PartitionIntake } from './partition-intake.js';
import { PunctuationGate } from './punctuation-gate.js';
import { RecordProcessor, type RecordStats } from './record-processor.js';
import {
  changelogProducer,
  drainToQuiescence,
  memberBasics,
  runtimeProducer,
  transportOf,
} from './runtime-clients.js';
import { StallWatch } from './stall-watch.js';
import type { StreamsRuntimeOptions } from './streams-runtime-options.js';
import { TaskManager, type TaskStatus } from './task-manager.js';
import { ensureTopologyTopics } from './topology-topics.js';
import { TransactionRecovery } from './transaction-recovery.js';

export type { ProcessingGuarantee, StreamsRuntimeOptions };

type Message = TransportRecord;

export class StreamsRuntime {
  readonly applicationId: string;
  private readonly guarantee: ProcessingGuarantee;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly transport: Transport;
  private readonly producer: TransportProducer;
  /** At-least-once with stores: the producer of changelog records (see `changelogProducer`). */
  private readonly changelogProducer?: TransportProducer;
  private readonly consumer: GroupMember;
  private readonly restorer: ChangelogReader;
  private readonly tasks: TaskManager;
  private readonly scheduler: PriorityLaneScheduler<Message>;
  private readonly tracker = new OffsetTracker();
  private readonly commits: CommitCoordinator;
  private readonly records: RecordProcessor;
  private readonly intake: PartitionIntake;
  private readonly recovery: TransactionRecovery;
  private readonly stalls: StallWatch;
  private readonly deadLetterTopic: string;
  private draining = false;
  /** Driven synchronously by `drainSync` (the test driver): no timers, no macrotask drains. */
  private manual = false;
  private commitTimer?: NodeJS.Timeout;
  private readonly outputs: OutputWriter;
  private readonly punctuations: PunctuationGate;
  private readonly stageCounts = new Map<string, number>();
  private fatal?: unknown;
  private failedListeners: ((e: unknown) => void)[] = [];
  private started = false;
  private stopping?: Promise<void>;
  /** Counters for metrics and readiness. */
  readonly stats: RecordStats = { processed: 0, deadLettered: 0, skipped: 0, retried: 0, punctuations: 0 };

  /** Records handed to the producer (outputs, changelog and dead-letter writes). */
  get produced(): number {
    return this.outputs.produced;
  }

  constructor(private readonly options: StreamsRuntimeOptions) {
    const { plan } = options;
    this.transport = transportOf(options);
    this.applicationId = plan.applicationId;
    this.guarantee = options.guarantee ?? 'at_least_once';
    this.clock = options.clock ?? systemClock();
    this.log = options.logger ?? silentLogger();
    const handlers = { ...defaultErrorHandlers, ...options.errorHandlers };
    this.deadLetterTopic = options.deadLetterTopic ?? `${plan.applicationId}-dlq`;
    this.scheduler = new PriorityLaneScheduler(options.lanes);
    const instanceId = options.instanceId ?? Math.random().toString(36).slice(2, 8);
    const clientId = `${this.transport.clientId}-${plan.applicationId}-${instanceId}`;
    this.producer = runtimeProducer(this.transport, options, this.guarantee, clientId, instanceId);
    this.changelogProducer = changelogProducer(this.transport, options, this.guarantee, clientId);
    this.outputs = new OutputWriter({
      producer: this.producer,
      reporting: this.changelogProducer,
      production: handlers.production,
      log: this.log,
      metrics: options.metrics,
      written: () => this.commits.markDirty(),
      fail: (e) => this.writeFailed(e),
      released: () => this.kick(),
    });
    this.punctuations = new PunctuationGate({
      committing: () => this.commits.committing,
      outputs: this.outputs,
      log: this.log,
      stats: this.stats,
      closed: () => Boolean(this.fatal || this.stopping || this.recovery.active),
      drainNow: () => this.manual && this.drainSync(),
      onError: options.onPunctuationError,
    });
    this.restorer = this.transport.changelogReader(plan.applicationId);
    this.tasks = new TaskManager({
      plan,
      clock: this.clock,
      restorer: this.restorer,
      storeProvider: options.storeProvider,
      exactlyOnce: this.guarantee === 'exactly_once',
      logger: this.log,
      retry: options.retry,
      onChangelog: (record) => this.outputs.write(record),
      onStageOutput: options.metrics
        ? (stage) => this.stageCounts.set(stage, (this.stageCounts.get(stage) ?? 0) + 1)
        : undefined,
      onPunctuate: (_task, outputs, error) => this.punctuations.punctuated(outputs, error),
      punctuation:
        this.guarantee === 'exactly_once' ? (fire) => this.punctuations.inTransaction(fire) : undefined,
      onRunning: (partitions) => this.intake.running(partitions),
      onRestoreFailed: (e) => this.fail(e),
    });
    this.consumer = this.transport.member({
      ...memberBasics(plan, clientId),
      librdkafka: options.librdkafka?.consumer,
      logger: this.log,
      onAssign: (partitions) => {
        this.options.metrics?.rebalances.inc({ group: plan.applicationId });
        // Tasks are CREATED/RESTORING (so not ready) from here until their stores are restored.
        const held = this.tasks.assign(partitions);
        return held instanceof Promise ? held.then((h) => this.intake.hold(h)) : this.intake.hold(held);
      },
      onRevoke: (partitions) => {
        this.options.metrics?.rebalances.inc({ group: plan.applicationId });
        return this.onRevoke(partitions);
      },
      // While recovering, fetched records are dropped: they are read again from the last commit.
      onBatch: (messages) => (this.fatal || this.recovery.active ? undefined : this.intake.accept(messages)),
      onError: (e) => this.log.warn({ err: e }, 'consumer error'),
    });
    this.commits = new CommitCoordinator({
      guarantee: this.guarantee,
      producer: this.producer,
      consumer: this.consumer,
      tracker: this.tracker,
      log: this.log,
      metrics: options.metrics,
      // A held record is not waited for: it writes only when no commit runs, and its offset is not
      // finished, so a commit never passes it.
      settled: () => this.outputs.settled(),
      writeFailed: () => this.outputs.failed !== undefined,
      failed: (e) => this.writeFailed(e),
      resumed: () => this.kick(),
      committed: () => this.tasks.checkpoint(),
    });
    this.intake = new PartitionIntake({
      applicationId: this.applicationId,
      consumer: this.consumer,
      scheduler: this.scheduler,
      tracker: this.tracker,
      clock: this.clock,
      tableTopics: new Set(plan.tableTopics),
      conflateTopics: new Set(options.lanes?.conflateTopics ?? []),
      maxQueuedPerPartition: options.maxQueuedPerPartition ?? 20_000,
      maxQueued: options.maxQueued ?? 50_000,
      priorityOf: options.priorityOf ?? headerPriority,
      metrics: options.metrics,
      kick: () => this.kick(),
    });
    this.records = new RecordProcessor({
      applicationId: this.applicationId,
      deadLetterTopic: this.deadLetterTopic,
      handlers,
      retry: options.retry,
      tasks: this.tasks,
      scheduler: this.scheduler,
      tracker: this.tracker,
      outputs: this.outputs,
      commits: this.commits,
      clock: this.clock,
      log: this.log,
      stats: this.stats,
      tracer: options.tracer,
      metrics: options.metrics,
      onRecordDone: options.onRecordDone,
      orphan: (item, m) => {
        this.scheduler.release(item);
        // Revoked meanwhile: the next owner reads it again.
        if (this.tasks.owns(m.topic, m.partition)) this.intake.orphan(item, m);
      },
      fail: (e) => this.fail(e),
      kick: () => this.kick(),
    });
    this.stalls = new StallWatch({
      log: this.log,
      processed: () => this.stats.processed,
      waiting: () => this.scheduler.pending > 0 || this.halted,
      unread: () => this.lag().reduce((n, l) => n + Math.max(0, l.lag), 0),
      describe: () => ({
        queued: this.scheduler.pending,
        assigned: this.consumer.assignment().length,
        heldRecord: Boolean(this.records.blocked),
        committing: this.commits.commitStep ?? Boolean(this.commits.committing),
        recovering: this.recovery.active,
        tasks: this.taskStatuses(),
      }),
    });
    this.recovery = new TransactionRecovery({
      producer: this.producer,
      consumer: this.consumer,
      tasks: this.tasks,
      intake: this.intake,
      outputs: this.outputs,
      commits: this.commits,
      records: this.records,
      log: this.log,
      metrics: options.metrics,
      retry: options.retry,
      resumed: () => this.kick(),
      fail: (e) => this.fail(e),
    });
  }

  /** Creates or verifies topics, connects, joins the group and starts processing. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { plan } = this.options;
    await ensureTopologyTopics(this.transport.admin(), plan, {
      declared: this.options.topics ?? [],
      defaultPartitions: this.options.defaultPartitions ?? 3,
      replicationFactor: this.options.replicationFactor ?? 1,
      deadLetterTopic: this.deadLetterTopic,
    });
    await this.producer.connect();
    await this.changelogProducer?.connect();
    await this.commits.begin();
    await this.consumer.connect();
    this.consumer.start();
    const application = this.applicationId;
    this.options.metrics?.addLagSource(() => this.lag());
    this.options.metrics?.addStageSource(() => ({ application, counts: this.stageCounts }));
    this.options.metrics?.addTaskSource(() => ({ application, counts: this.tasks.stateCounts() }));
    this.options.metrics?.addStoreSource(() => ({ application, stores: this.tasks.storeStats() }));
    this.commitTimer = setInterval(() => {
      if (!this.recovery.active) void this.commits.commit();
      this.stalls.check();
    }, this.options.commitIntervalMs ?? 100);
    this.log.info({ applicationId: plan.applicationId, guarantee: this.guarantee }, 'runtime started');
  }

  /**
   * @internal On a manual in-process transport whose topics exist (the test driver): every task
   * exists when this returns; records are processed only by `drainSync`. At-least-once only.
   */
  startSync(): void {
    if (this.started) return;
    if (!this.consumer.pollOnce || this.guarantee !== 'at_least_once')
      throw new BusError('BAD_REQUEST', 'startSync() needs a manual in-process transport and at-least-once');
    this.started = true;
    this.manual = true;
    this.consumer.start();
  }

  /**
   * @internal Fetches and processes, one record per batch in production order, until nothing is
   * left — outputs of the processing included (repartition topics drain to quiescence). Returns
   * false when a record is held (an async serde step, a retry): `held` settles when it is done.
   */
  drainSync(): boolean {
    return drainToQuiescence(this.scheduler, this.records, this.consumer, this.clock, () => this.halted);
  }

  /** @internal A record waiting for an async step (see `drainSync`), if any. */
  get held(): Promise<void> | undefined {
    return this.records.blocked;
  }

  /** @internal Closes every task and leaves the group at once (the test driver's `close`). */
  closeSync(): void {
    this.stopping ??= Promise.resolve();
    this.records.abandonAll();
    this.tasks.closeAll();
    void this.consumer.close();
  }

  /** Calls `listener` when the runtime stops on a FAIL decision or a fatal error. */
  onFailed(listener: (e: unknown) => void): void {
    if (this.fatal) listener(this.fatal);
    else this.failedListeners.push(listener);
  }

  /** Partitions this instance owns. */
  assignment(): TopicPartition[] {
    return this.consumer.assignment();
  }

  get taskIds(): string[] {
    return this.tasks.taskIds;
  }

  /** Lifecycle status of every task this instance owns (see TaskStatus). */
  taskStatuses(): Record<string, TaskStatus> {
    return this.tasks.statuses();
  }

  /** Lag per owned partition from the consumer's cached watermarks (no broker round trip). */
  lag(): PartitionLag[] {
    const group = this.applicationId;
    return this.consumer.lag().map((l) => ({ group, topic: l.topic, partition: l.partition, lag: l.lag }));
  }

  /** True once this instance owns partitions and every task is RUNNING (none restoring or failed). */
  get ready(): boolean {
    const owns = this.consumer.assignment().length > 0;
    return this.running && !this.recovery.active && this.tasks.allRunning && owns;
  }

  /** Started, and neither stopped nor failed. */
  get running(): boolean {
    return this.started && !this.fatal && !this.stopping;
  }

  /** Changelog records restored into stores so far. */
  get restoredRecords(): number {
    return this.tasks.restoredRecords;
  }

  /**
   * Resolves once nothing is queued or held, every owned partition is read to its end (cached
   * watermarks; exact in-process) and every output is acknowledged — or the runtime stopped.
   */
  async idle(): Promise<void> {
    for (;;) {
      await this.outputs.settled();
      if (!this.running) return;
      const caughtUp = this.consumer.lag().every((l) => l.lag === 0);
      if (caughtUp && this.scheduler.pending === 0 && !this.records.blocked) return;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  get rebalances(): number {
    return this.consumer.rebalances;
  }

  /** Exactly-once recoveries from a failed transaction (each without exiting). */
  get recoveries(): number {
    return this.recovery.recoveries;
  }

  private get halted(): boolean {
    return Boolean(
      this.records.blocked ||
        this.commits.committing ||
        this.outputs.full ||
        this.fatal ||
        this.recovery.active,
    );
  }

  private kick(): void {
    if (this.manual || this.draining || this.halted) return;
    this.draining = true;
    setImmediate(() => this.drainSlice());
  }

  /** Processes records for at most ~5 ms, then yields so I/O (delivery reports, fetches) runs. */
  private drainSlice(): void {
    this.draining = false;
    if (this.halted) return;
    const started = performance.now();
    let n = 0;
    const { scheduler, clock } = this;
    // The time lanes age by (200 ms steps), read every 32 records, with the slice's own clock.
    let now = clock.now();
    for (let item = scheduler.next(now); item; item = scheduler.next(now)) {
      this.records.process(item);
      if (this.halted) return;
      if (++n % 32 === 0) {
        if (performance.now() - started > 5) break;
        now = clock.now();
      }
    }
    this.intake.resumeDrained();
    this.intake.releaseCapacity(Boolean(this.fatal));
    if (this.scheduler.pending > 0) this.kick();
  }

  // ---------------------------------------------------------------------------- failures
  /** A write failed for good: exactly-once aborts and rewinds; at-least-once stops. */
  private writeFailed(e: unknown): void {
    if (this.guarantee === 'exactly_once' && !this.fatal && !this.stopping) this.recovery.recover(e);
    else this.fail(e);
  }

  private async onRevoke(partitions: TopicPartition[]): Promise<void> {
    this.tasks.suspend(partitions); // SUSPENDED (not ready) until their commit is done and they close
    this.records.abandon(partitions.map((tp) => `${tp.topic}:${tp.partition}`));
    this.intake.forget(partitions, false); // never processed, so the next owner reads them
    if (this.fatal || this.recovery.active) await this.outputs.settled();
    else await this.commits.commitRevoked(partitions);
    for (const tp of partitions) this.tracker.forget(`${tp.topic}:${tp.partition}`);
    this.tasks.revoke(partitions);
  }

  private fail(e: unknown): void {
    if (this.fatal) return;
    this.fatal = e;
    this.log.error({ err: e }, 'runtime failed');
    this.records.abandonAll();
    for (const l of this.failedListeners) l(e);
    void this.stop();
  }

  /** Graceful shutdown: stop fetching, finish in-flight work, commit, leave the group, close. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    if (this.commitTimer) clearInterval(this.commitTimer);
    const bound = this.options.shutdownTimeoutMs ?? 30_000;
    const graceful = (async () => {
      // A consume loop waiting for queue capacity must be let go, or it could not stop.
      this.intake.releaseCapacity(true);
      await this.consumer.close();
      if (!this.fatal) await this.commits.commitFinal();
      this.tasks.closeAll();
      await this.producer.disconnect(Math.min(10_000, bound));
      await this.changelogProducer?.disconnect(Math.min(10_000, bound));
      await this.restorer.close();
    })();
    await Promise.race([graceful, new Promise((r) => setTimeout(r, bound).unref())]);
    this.log.info({ applicationId: this.applicationId }, 'runtime stopped');
  }
}
