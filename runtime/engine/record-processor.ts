// Runs one scheduled record through its task and applies the per-record failure policy. The record's
// offset finishes only once its outputs (or its dead-letter copy) are acknowledged. A failure goes to
// its handler with its `retriable` flag: DEAD_LETTER and CONTINUE go on, FAIL stops the runtime, and
// RETRY holds the drain — every partition keeps its order — and runs the same record again with
// backoff through the one retry primitive until it succeeds, the budget is spent (then FAIL naming
// the dependency) or its partition is revoked. A retried record's outputs are dropped, so none is
// written twice; store writes a stage made before failing stay (at-least-once within the task, as a
// Kafka Streams task that retries a record).

import type { Span, Tracer } from '@opentelemetry/api';
import type { Clock } from '../../core/clock.js';
import { type BusError, isBusError, ProcessingError } from '../../core/errors.js';
import { HEADERS } from '../../core/headers.js';
import type { Logger } from '../../core/logger.js';
import { retry } from '../../core/retry.js';
import type { Priority } from '../../schemas/catalog.js';
import type { ProcessResult, RawRecord, Task } from '../../topology/plan.js';
import { PackedRecord } from '../kafka/native-batch.js';
import type { PriorityLaneScheduler, ScheduledItem } from '../lanes/priority-lane-scheduler.js';
import type { RuntimeMetrics } from '../observability/runtime-metrics.js';
import { injectContext, startProcessSpan, withContext } from '../observability/tracing.js';
import type { TransportRecord } from '../transport/types.js';
import type { CommitCoordinator } from './commit-coordinator.js';
import { Decision, deadLetterRecord, type ErrorHandlers, isDeserializationError } from './error-handlers.js';
import type { OffsetTracker } from './offset-tracker.js';
import type { OutputWriter } from './output-writer.js';
import { type RuntimeRetryOptions, retriesExhausted, retryOptions } from './record-retry.js';
import type { TaskManager } from './task-manager.js';

type Message = TransportRecord;
type Item = ScheduledItem<Message>;

export interface RecordStats {
  processed: number;
  deadLettered: number;
  skipped: number;
  /** Attempts repeated after a RETRY decision. */
  retried: number;
  /** Wall-clock punctuations run (correlation timeouts, window closes). */
  punctuations: number;
}

export interface RecordProcessorOptions {
  applicationId: string;
  deadLetterTopic: string;
  handlers: Required<ErrorHandlers>;
  retry?: RuntimeRetryOptions;
  tasks: TaskManager;
  scheduler: PriorityLaneScheduler<Message>;
  tracker: OffsetTracker;
  outputs: OutputWriter;
  commits: CommitCoordinator;
  clock: Clock;
  log: Logger;
  stats: RecordStats;
  tracer?: Tracer;
  metrics?: RuntimeMetrics;
  onRecordDone?: (lane: Priority, queueMs: number, endToEndMs: number) => void;
  /** A record whose partition has no running task (revoked, or its task is restoring / failed). */
  orphan: (item: Item, message: Message) => void;
  fail: (e: unknown) => void;
  /** Processing may go on (a held record finished). */
  kick: () => void;
}

export class RecordProcessor {
  /** A record waiting for its writer schema or its next attempt: nothing else runs meanwhile. */
  blocked?: Promise<void>;
  private holding?: { partitionKey: string; abort: AbortController };

  constructor(private readonly o: RecordProcessorOptions) {}

  process(item: Item): void {
    // A conflated item processes only its latest record; the earlier ones finish with it.
    const m = item.values[item.values.length - 1]!;
    const task = this.o.tasks.taskFor(m.topic, m.partition);
    if (!task) {
      this.o.orphan(item, m);
      return;
    }
    // Read from its batch once, here: the queued record keeps nothing (native-batch.ts).
    const record: RawRecord = m instanceof PackedRecord ? m.toRecord() : m;
    const preparing = task.prepare?.(record);
    if (preparing) {
      // An unknown writer schema: fetch it, then process this same record, keeping order.
      this.hold(item, task, record, preparing);
      return;
    }
    const retrying = this.run(item, task, record, undefined, 1);
    if (retrying) this.hold(item, task, record, undefined, retrying);
  }

  /** The partitions are gone: a record of theirs that is held is abandoned (the next owner reads it). */
  abandon(partitionKeys: readonly string[]): void {
    if (this.holding && partitionKeys.includes(this.holding.partitionKey)) this.holding.abort.abort();
  }

  /** Stops any held record (shutdown, fatal error). */
  abandonAll(): void {
    this.holding?.abort.abort();
  }

  private hold(item: Item, task: Task, record: RawRecord, preparing?: Promise<void>, first?: BusError): void {
    const abort = new AbortController();
    const partitionKey = `${record.topic}:${record.partition}`;
    this.holding = { partitionKey, abort };
    const started = Date.now();
    let attempts = 0;
    let last: unknown = first;
    this.blocked = retry(
      async (attempt) => {
        attempts = attempt + 1;
        if (attempt === 0 && first) throw first;
        let prepareError: unknown;
        const prepared = attempt === 0 ? preparing : task.prepare?.(record);
        if (prepared) await prepared.catch((e: unknown) => (prepareError = e));
        // Exactly-once: nothing is written between a transaction's commit and the next begin.
        while (this.o.commits.committing) await this.o.commits.committing;
        if (abort.signal.aborted) throw abort.signal.reason;
        const again = this.run(item, task, record, prepareError, attempt + 1);
        if (again) {
          last = again;
          throw again;
        }
      },
      {
        ...retryOptions(this.o.retry),
        signal: abort.signal,
        isRetriable: () => !abort.signal.aborted,
        onRetry: (e, attempt, delayMs) => {
          this.o.stats.retried++;
          this.o.log.warn(
            { err: isBusError(e) ? e.toJSON() : e, attempt, delayMs },
            'retriable failure: retrying the same record',
          );
        },
      },
    )
      .catch((e: unknown) => {
        if (abort.signal.aborted) {
          this.o.scheduler.release(item); // revoked or stopping: not finished, read again
          return;
        }
        const where = `${record.topic}[${record.partition}]@${record.offset}`;
        this.o.fail(retriesExhausted(`record ${where}`, last ?? e, attempts, Date.now() - started));
      })
      .finally(() => {
        this.blocked = undefined;
        this.holding = undefined;
        this.o.kick();
      });
  }

  /**
   * One attempt at a record. Returns the error when the decision is RETRY (nothing of the attempt
   * is written but its store changes' changelog records), otherwise finishes the record: its
   * outputs are handed to the writer, whose barrier every commit waits at, so its offset finishes
   * at once.
   */
  private run(
    item: Item,
    task: Task,
    record: RawRecord,
    prepareError: unknown,
    attempt: number,
  ): BusError | undefined {
    const { outputs: writer, tracer } = this.o;
    let outputs: ProcessResult['outputs'] = [];
    let error: BusError | undefined;
    let span: Span | undefined;
    let traced: ReturnType<typeof startProcessSpan> | undefined;
    try {
      if (prepareError !== undefined) error = asBusError(prepareError, record);
      else if (tracer) {
        const { topic, partition, offset, key } = record; // what the span names, not the value or headers
        traced = startProcessSpan(tracer, record.headers, {
          topic,
          partition,
          offset,
          key,
          consumerGroup: this.o.applicationId,
        });
        span = traced.span;
        const ctx = traced.ctx;
        const result = withContext(ctx, () => task.process(record));
        outputs = result.outputs;
        error = result.error;
      } else {
        const result = task.process(record);
        outputs = result.outputs;
        error = result.error;
      }
    } catch (e) {
      error = asBusError(e, record);
    }
    if (error) {
      const decision = this.decide(record, error, attempt);
      if (decision === Decision.RETRY || decision === Decision.FAIL) {
        span?.recordException(error);
        span?.end();
        if (decision === Decision.RETRY) return error;
        this.o.fail(error);
        return undefined;
      }
      if (decision === Decision.DEAD_LETTER) {
        this.o.stats.deadLettered++;
        const stage = error.context.stage;
        this.o.metrics?.deadLettered.inc({
          topic: record.topic,
          stage: stage ?? 'unknown',
          code: error.code,
        });
        this.o.log.warn({ err: error.toJSON() }, 'record dead-lettered');
        writer.send(deadLetterRecord(this.o.deadLetterTopic, this.o.applicationId, { record, error, stage }));
      } else this.o.stats.skipped++;
    }
    let urgent = item.priority === 'CRITICAL';
    for (let i = 0; i < outputs.length; i++) {
      const out = outputs[i]!;
      writer.send(traced ? { ...out, headers: injectContext(traced.ctx, { ...out.headers }) } : out);
      if (!urgent && out.headers?.[HEADERS.priority] === 'CRITICAL') urgent = true;
    }
    // A CRITICAL record's outputs, and CRITICAL outputs of any record (a risk alert derived from a
    // fill), leave now: not after the rest of this slice, nor after a commit's flush.
    if (urgent && outputs.length > 0) writer.expedite();
    this.o.stats.processed++;
    if (span) {
      if (error) span.recordException(error);
      span.setStatus({ code: error ? 2 : 1 });
      span.end();
    }
    const values = item.values;
    if (values.length === 1) this.o.tracker.finish(item.queue, record.offset);
    else for (const m of values) this.o.tracker.finish(item.queue, m.offset);
    this.o.scheduler.release(item);
    if (this.o.onRecordDone || this.o.metrics) {
      const now = this.o.clock.now();
      this.o.onRecordDone?.(item.priority, now - item.enqueuedAt, now - record.timestamp);
      this.o.metrics?.recordDone(item.priority, now - item.enqueuedAt, now - record.timestamp);
    }
    return undefined;
  }

  private decide(record: RawRecord, error: BusError, attempt: number): Decision {
    const failure = { record, error, stage: error.context.stage, retriable: error.retriable, attempt };
    return isDeserializationError(error)
      ? this.o.handlers.deserialization(failure)
      : this.o.handlers.processing(failure);
  }
}

function asBusError(e: unknown, record: RawRecord): BusError {
  return isBusError(e)
    ? e
    : new ProcessingError('task threw', {
        cause: e,
        context: { topic: record.topic, partition: record.partition, offset: record.offset },
      });
}
