// Where a runtime's writes go, the way Kafka Streams' RecordCollector does it: a record's outputs
// are handed to the producer with no promise per record — each carries the tag of the commit period
// it was written in — and a commit first waits at a barrier until every record written before it
// has its delivery report (`settled`). A record's offset may therefore finish as soon as its outputs
// are handed over: nothing is committed before they are acknowledged, and a delivery error the
// production handler calls fatal fails the runtime before any commit past it. Writes that need
// their own report (changelog records, whose offsets task checkpoints keep) go through `write`,
// which still returns a promise; commits wait for those too.
//
// At-least-once no report crosses from C++ per record either way. With the native addon the
// producer counts delivery reports per tag in C++ and hands over counts, so the barrier waits for
// the records of its own commit period while later outputs go straight on to Kafka. Without the
// addon librdkafka reports only failures (`delivery.report.only.error`) and the barrier is a flush;
// so is it for exactly-once outputs on the native batch path (they carry no tag, and the
// transaction's commit is what confirms them). A flush only ends once nothing more is handed over,
// so while it runs the records `send` is given wait here, in order, and go to the producer the
// moment it ends: processing goes on through the commit (a Kafka Streams commit stops its thread
// for the flush instead). Past `maxHeld` waiting records — or as many handed over and not yet
// reported — the writer is `full` and the runtime stops processing until they are handed over or
// acknowledged. `write`s go to a second, reporting producer.

import { isBusError, KafkaError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { OutgoingRecord } from '../../core/record.js';
import type { RuntimeMetrics } from '../observability/runtime-metrics.js';
import type { TransportProducer } from '../transport/types.js';
import { Decision, type ErrorHandlers } from './error-handlers.js';

type Outgoing = OutgoingRecord<Buffer | null, Buffer | null>;

export interface OutputWriterOptions {
  producer: TransportProducer;
  /** Where `write`s go when `producer` reports only errors. @default producer */
  reporting?: TransportProducer;
  production: NonNullable<ErrorHandlers['production']>;
  log: Logger;
  metrics?: RuntimeMetrics;
  /** Something was written (exactly-once: the transaction has content). */
  written: () => void;
  /** A write failed for good (production handler said FAIL); exactly-once recovers from it. */
  fail: (e: unknown) => void;
  /**
   * Records held during a flush, or handed over and not yet reported, past which the writer is
   * `full`. @default 20000 held, 100000 unreported
   */
  maxHeld?: number;
  maxUnreported?: number;
  /**
   * A flush ended and the records held meanwhile were handed over, or enough reports came in (the
   * writer is no longer `full`: processing may go on).
   */
  released?: () => void;
}

export class OutputWriter {
  /** Tag of the records written now; `settled` moves it on. */
  private tag = 0;
  /** Tags below this were disowned by `reset`: their reports change nothing. */
  private floor = 0;
  /** Records handed over and not yet reported, per tag, and in all. */
  private readonly unreported = new Map<number, number>();
  private unreportedCount = 0;
  private readonly maxUnreported: number;
  private barriers: { upTo: number; resolve: () => void }[] = [];
  /** Completion of every `write` not yet settled; commits wait for these. */
  private readonly unsettled = new Set<Promise<unknown>>();
  private readonly outPerTopic = new Map<string, number>();
  /** A write failed for good since the last reset: nothing may be committed past it. */
  failed: unknown;
  produced = 0;
  /**
   * Bumped by `reset` when a transaction is abandoned: what was written before belongs to the
   * aborted transaction, and its outcome must no longer finish records or fail the runtime.
   */
  epoch = 0;
  private resetWaiters: (() => void)[] = [];

  /** The producer reports only failures of `produce`d records: the barrier is its flush. */
  private readonly flushes: boolean;
  /** Records sent while a flush runs, in order: handed over when it ends. */
  private held: Outgoing[] | undefined;
  /** The flush running now (the next one starts after it, with what it held handed over). */
  private flushing: Promise<void> | undefined;
  private readonly maxHeld: number;

  constructor(private readonly o: OutputWriterOptions) {
    this.flushes = o.producer.flushIsBarrier ?? o.producer.reportsOnlyErrors;
    this.maxHeld = o.maxHeld ?? 20_000;
    this.maxUnreported = o.maxUnreported ?? 100_000;
    o.producer.onDelivery((tag, error, count) => this.reported(tag, error, count ?? 1));
  }

  /**
   * So many records wait for a flush to end, or for their reports (a slow or unreachable broker),
   * that processing should wait too.
   */
  get full(): boolean {
    return (
      (this.held !== undefined && this.held.length >= this.maxHeld) ||
      this.unreportedCount >= this.maxUnreported
    );
  }

  /** Records waiting for the running flush to end. */
  get heldCount(): number {
    return this.held?.length ?? 0;
  }

  /** Hands one record over (the hot path): no promise; its report is counted against its tag. */
  send(record: Outgoing): void {
    this.o.written();
    this.produced++;
    if (this.o.metrics) this.outPerTopic.set(record.topic, (this.outPerTopic.get(record.topic) ?? 0) + 1);
    if (this.flushes) {
      if (this.held) this.held.push(record);
      else this.o.producer.produce(record, 0);
      return;
    }
    const tag = this.tag;
    this.unreported.set(tag, (this.unreported.get(tag) ?? 0) + 1);
    this.unreportedCount++;
    this.o.producer.produce(record, tag);
  }

  /**
   * Hands everything sent so far to the producer and on to the client now: what waits for a
   * running flush (that flush then also waits for it, which only makes the barrier later) and what
   * the producer batches until the end of this task. For a CRITICAL record's outputs, which must
   * not wait behind a commit or the rest of a processing slice. Order is kept: what was held goes
   * first.
   */
  expedite(): void {
    const held = this.held;
    if (held !== undefined && held.length > 0) {
      this.held = [];
      for (const record of held) this.o.producer.produce(record, 0);
    }
    this.o.producer.expedite();
  }

  /**
   * A write whose delivery report the caller needs (changelog: task checkpoints track its offset).
   * A failure goes to the production handler, as for `send`.
   */
  write(record: Outgoing): Promise<unknown> {
    this.o.written();
    this.produced++;
    if (this.o.metrics) this.outPerTopic.set(record.topic, (this.outPerTopic.get(record.topic) ?? 0) + 1);
    const epoch = this.epoch;
    // A producer that reports only errors rejects send(): that is a wiring bug, not a delivery failure.
    const sent = (this.o.reporting ?? this.o.producer).send(record).catch((e) => {
      if (epoch !== this.epoch) throw e;
      this.failedWrite(e, record.topic);
      throw e;
    });
    this.settle(sent.catch(() => undefined));
    return sent;
  }

  /**
   * The commit barrier: resolves once every record handed over so far has its delivery report (at
   * least once: is flushed — records sent while an earlier flush runs included). Records written
   * meanwhile belong to the next barrier. Check `failed` afterwards.
   */
  settled(): Promise<void> {
    this.flushMetrics();
    const upTo = this.tag++;
    const writes = this.unsettled.size > 0 ? Promise.allSettled([...this.unsettled]) : undefined;
    const reports = this.flushes
      ? this.flushed()
      : this.reportedUpTo(upTo)
        ? undefined
        : new Promise<void>((resolve) => this.barriers.push({ upTo, resolve }));
    if (!writes && !reports) return Promise.resolve();
    let onReset!: () => void;
    const reset = new Promise<void>((resolve) => {
      onReset = resolve;
    });
    this.resetWaiters.push(onReset);
    // A reset disowns what is pending (a dead broker may hold it for minutes): stop waiting then.
    return Promise.race([Promise.all([writes, reports]).then(() => undefined), reset]).then(() => {
      const i = this.resetWaiters.indexOf(onReset);
      if (i >= 0) this.resetWaiters.splice(i, 1);
    });
  }

  /** Disowns every write so far (exactly-once: its transaction is being aborted). */
  reset(): void {
    this.epoch++;
    this.floor = ++this.tag;
    this.unreported.clear();
    const wasFull = this.full;
    this.unreportedCount = 0;
    this.unsettled.clear();
    this.failed = undefined;
    const barriers = this.barriers;
    this.barriers = [];
    for (const b of barriers) b.resolve();
    const waiters = this.resetWaiters;
    this.resetWaiters = [];
    for (const w of waiters) w();
    if (wasFull && !this.full) this.o.released?.();
  }

  /** Remembers `p` until it settles. */
  private settle(p: Promise<unknown>): void {
    this.unsettled.add(p);
    void p.finally(() => this.unsettled.delete(p));
  }

  /**
   * Flushes the producer, holding what is sent meanwhile, then hands that over. A flush already
   * running is let finish first: what it held must be flushed too.
   */
  private flushed(): Promise<void> {
    // Begins at once when none runs: what is sent from now on is held.
    const next = () => this.flushHolding();
    const flush = this.flushing ? this.flushing.then(next, next) : next();
    this.flushing = flush;
    void flush.finally(() => {
      if (this.flushing === flush) this.flushing = undefined;
    });
    return flush;
  }

  private async flushHolding(): Promise<void> {
    this.held = [];
    try {
      await this.flushUntilDone();
    } finally {
      const held = this.held;
      this.held = undefined;
      for (const record of held) this.o.producer.produce(record, 0);
      this.o.released?.();
    }
  }

  /** Flushes the producer until it is done: a timeout (a broker down) is waited out, never skipped. */
  private async flushUntilDone(): Promise<void> {
    const epoch = this.epoch;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.producer.flush(10_000);
        return;
      } catch (e) {
        if (epoch !== this.epoch) return;
        if (!isTimeout(e)) {
          this.failedWrite(e); // not a slow broker: the producer cannot say what was delivered
          return;
        }
        this.o.log.warn({ err: e, attempt }, 'outputs not yet acknowledged; the commit waits');
      }
    }
  }

  private reported(tag: number, error: unknown, count: number): void {
    if (this.flushes) {
      if (error !== undefined) this.failedWrite(error);
      return;
    }
    if (tag < this.floor) return;
    const before = this.unreported.get(tag) ?? count;
    const left = before - count;
    const wasFull = this.full;
    this.unreportedCount -= Math.min(before, count);
    if (left > 0) this.unreported.set(tag, left);
    else {
      this.unreported.delete(tag);
      if (this.barriers.length > 0) this.releaseBarriers();
    }
    if (error !== undefined) this.failedWrite(error);
    if (wasFull && !this.full) this.o.released?.();
  }

  private failedWrite(e: unknown, topic?: string): void {
    // The producer already retried: RETRY here means FAIL (the record stays uncommitted).
    const context = isBusError(e) ? (e.context as { topic?: string; partition?: number }) : {};
    const where = { topic: topic ?? context.topic ?? 'unknown', partition: context.partition };
    const error = isBusError(e) ? e : new KafkaError('KAFKA_PRODUCE', 'delivery failed', { cause: e });
    const decision = this.o.production(error, where);
    if (decision === Decision.FAIL || decision === Decision.RETRY) {
      this.failed ??= e;
      this.o.fail(e);
      return;
    }
    this.o.log.warn({ err: e }, 'output skipped after production error');
  }

  private reportedUpTo(upTo: number): boolean {
    for (const tag of this.unreported.keys()) if (tag <= upTo) return false;
    return true;
  }

  private releaseBarriers(): void {
    const waiting: typeof this.barriers = [];
    for (const b of this.barriers) this.reportedUpTo(b.upTo) ? b.resolve() : waiting.push(b);
    this.barriers = waiting;
  }

  private flushMetrics(): void {
    const metrics = this.o.metrics;
    if (!metrics || this.outPerTopic.size === 0) return;
    for (const [topic, n] of this.outPerTopic) metrics.recordsOut.inc({ topic }, n);
    this.outPerTopic.clear();
  }
}

/** librdkafka's ERR__TIMED_OUT, as a flush that ran out of time reports it. */
function isTimeout(e: unknown): boolean {
  const cause = (isBusError(e) ? e.cause : e) as { code?: number } | undefined;
  return cause?.code === -185;
}
