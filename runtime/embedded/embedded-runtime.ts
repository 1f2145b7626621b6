// Runs a compiled `TopologyPlan` on an `InProcessBroker` in real time: the zero-setup demo's
// stand-in for `StreamsRuntime`. The contract is the one every runner shares (plan → one task per
// (sub-topology, partition), `process()` per record, outputs and punctuations written back,
// store writes appended to changelogs); what differs from the test driver is time and scheduling.
// The driver processes synchronously inside `pipeInput` on a manual clock; this runner reacts to
// appends asynchronously (a drain per macrotask, yielding every few ms so timers and services keep
// running) on the system clock, so wall-clock punctuation — correlation timeouts, window closing —
// fires by itself. Several instances of one application share its consumer group on the broker.
//
// Deliberately small: no priority lanes, no backpressure, no transactions. Records are processed
// in production order, which keeps every partition in order.

import { performance } from 'node:perf_hooks';
import { type Clock, systemClock } from '../../core/clock.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import type { RawOutgoingRecord, StageError, Task, TopologyPlan } from '../../topology/plan.js';
import type { BrokerRecord, InProcessBroker } from '../testing/broker.js';
import type { InProcessConsumer } from '../testing/consumerGroup.js';
import { EmbeddedTaskSet } from './embedded-tasks.js';
import { ensurePlanTopics } from './plan-topics.js';

/** What to do after a record (or a punctuation) failed. */
export type EmbeddedErrorDecision = 'continue' | 'fail';

export interface EmbeddedRuntimeOptions {
  readonly broker: InProcessBroker;
  readonly plan: TopologyPlan;
  /** @default systemClock() — real timers, so punctuation fires on wall-clock time */
  readonly clock?: Clock;
  /**
   * Partitions of topics this runner has to create (existing topics keep theirs).
   * @default the broker's `defaultPartitions`
   */
  readonly partitions?: number;
  /** Records handled per poll. @default 256 */
  readonly maxPollRecords?: number;
  /** How long one drain may run before yielding to the event loop, ms. @default 8 */
  readonly sliceMs?: number;
  /**
   * Decides after a failed record; `record` is absent for a failed punctuation. A `fail` stops
   * this instance (listeners of `onFailed` are told).
   * @default logs the error and continues
   */
  readonly onError?: (error: StageError, record?: BrokerRecord) => EmbeddedErrorDecision;
  /** @default silent */
  readonly logger?: Logger;
}

/**
 * One instance of a topology application on the in-process broker.
 *
 * @example
 * const broker = new InProcessBroker({ defaultPartitions: 3 });
 * const runtime = new EmbeddedStreamsRuntime({ broker, plan: builder.build({ applicationId: 'tm-risk' }) });
 * await runtime.start();
 * // … services append to broker topics; outputs appear on the sink topics as they are processed
 * await runtime.stop();
 */
export class EmbeddedStreamsRuntime {
  readonly applicationId: string;
  /** Counters for tests, health and the dashboard. */
  readonly stats = { processed: 0, produced: 0, failed: 0, punctuations: 0 };
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly tasks: EmbeddedTaskSet;
  private consumer?: InProcessConsumer;
  private stopListening?: () => void;
  private scheduled = false;
  private draining = false;
  private idleWaiters: (() => void)[] = [];
  private failedListeners: ((error: StageError) => void)[] = [];
  private state: 'new' | 'running' | 'stopped' = 'new';

  constructor(private readonly options: EmbeddedRuntimeOptions) {
    this.applicationId = options.plan.applicationId;
    this.clock = options.clock ?? systemClock();
    this.log = options.logger ?? silentLogger();
    this.tasks = new EmbeddedTaskSet({
      plan: options.plan,
      broker: options.broker,
      clock: this.clock,
      onPunctuate: (outputs, error) => this.punctuated(outputs, error),
    });
  }

  /** Creates missing topics, joins the application's consumer group and starts processing. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    const { broker, plan } = this.options;
    ensurePlanTopics(broker, plan, this.options.partitions);
    const consumer = broker.consumer(plan.applicationId);
    this.consumer = consumer;
    // Registered before subscribing: joining the group assigns partitions synchronously.
    consumer.onAssignment((assigned, revoked) => {
      this.tasks.rebalance(assigned, revoked);
      this.schedule();
    });
    this.stopListening = consumer.onRecords(() => this.schedule());
    consumer.subscribe(this.tasks.sourceTopics);
    this.schedule();
  }

  /** Tasks this instance runs (`<sub-topology>_<partition>`). */
  get taskIds(): string[] {
    return this.tasks.taskIds;
  }

  /** Changelog records restored into stores when tasks were created. */
  get restoredRecords(): number {
    return this.tasks.restoredRecords;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Calls `listener` when an error handler decided `fail` (the instance has stopped). */
  onFailed(listener: (error: StageError) => void): void {
    this.failedListeners.push(listener);
  }

  /** Resolves once everything appended to the sources so far has been processed. */
  idle(): Promise<void> {
    if (!this.scheduled && !this.draining) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Leaves the group (its partitions move to other instances), closes tasks and their timers. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.stopListening?.();
    // Commit what was processed, so an instance taking over does not redo it.
    this.consumer?.commit();
    this.consumer?.close();
    this.tasks.closeAll();
    this.wakeIdle();
  }

  private schedule(): void {
    if (this.scheduled || this.state !== 'running') return;
    this.scheduled = true;
    setImmediate(() => void this.drain());
  }

  /** Processes what is pending for at most `sliceMs`, then yields and continues. */
  private async drain(): Promise<void> {
    this.scheduled = false;
    if (this.draining || this.state !== 'running' || !this.consumer) return;
    this.draining = true;
    const consumer = this.consumer;
    const started = performance.now();
    const sliceMs = this.options.sliceMs ?? 8;
    try {
      for (;;) {
        const batch = consumer.poll(this.options.maxPollRecords ?? 256);
        if (batch.length === 0) break;
        for (const record of batch) {
          const task = this.tasks.taskFor(record.topic, record.partition);
          if (!task) continue; // revoked during this batch: the new owner reads it from the last commit
          // An unknown writer schema: fetch it, then decode this same record (process() reports
          // a failed fetch as the record's error). Awaited only when needed: most records are not.
          const preparing = task.prepare?.(record);
          if (preparing) {
            await preparing.catch(() => undefined);
            if (this.state !== 'running') return; // stopped meanwhile: the task is closed
          }
          this.processOne(task, record);
          if (this.state !== 'running') return; // an error handler decided `fail`
        }
        consumer.commit();
        if (performance.now() - started > sliceMs) {
          this.schedule();
          return;
        }
      }
    } finally {
      this.draining = false;
      if (!this.scheduled) this.wakeIdle();
    }
  }

  private processOne(task: Task, record: BrokerRecord): void {
    const { outputs, error } = task.process(record);
    this.stats.processed++;
    this.write(outputs);
    if (error) this.failed(error, record);
  }

  private punctuated(outputs: RawOutgoingRecord[], error?: StageError): void {
    if (this.state !== 'running') return;
    this.stats.punctuations++;
    this.write(outputs);
    if (error) this.failed(error);
  }

  private write(outputs: readonly RawOutgoingRecord[]): void {
    for (const out of outputs) this.options.broker.produce(out);
    this.stats.produced += outputs.length;
  }

  private failed(error: StageError, record?: BrokerRecord): void {
    this.stats.failed++;
    const decision = this.options.onError?.(error, record) ?? 'continue';
    this.log.warn({ err: error.toJSON(), applicationId: this.applicationId, decision }, 'record failed');
    if (decision !== 'fail') return;
    void this.stop();
    for (const listener of this.failedListeners) listener(error);
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
