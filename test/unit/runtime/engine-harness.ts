// The engine's write and commit parts wired as StreamsRuntime wires them, on the in-process
// transport: an OutputWriter over a producer whose delivery reports the test releases one by one
// (the record is appended to the broker at once, as librdkafka hands it over; only its
// acknowledgement waits), an OffsetTracker and a CommitCoordinator over a real group member.
// `processRecord` mirrors RecordProcessor: the record's outputs are handed to the writer and its
// offset finishes at once — commits wait at the writer's barrier for the acknowledgements.

import { silentLogger } from '../../../core/logger.js';
import type { OutgoingRecord } from '../../../core/record.js';
import { CommitCoordinator, type ProcessingGuarantee } from '../../../runtime/engine/commit-coordinator.js';
import { Decision } from '../../../runtime/engine/error-handlers.js';
import { OffsetTracker } from '../../../runtime/engine/offset-tracker.js';
import { OutputWriter } from '../../../runtime/engine/output-writer.js';
import type { RuntimeMetrics } from '../../../runtime/observability/runtime-metrics.js';
import { InProcessBroker } from '../../../runtime/transport/inprocess/broker.js';
import { InProcessTransport } from '../../../runtime/transport/inprocess/inprocess-transport.js';
import type { DeliveryReport, TransportProducer } from '../../../runtime/transport/types.js';

type Outgoing = OutgoingRecord<Buffer | null, Buffer | null>;

/**
 * A producer whose delivery reports wait until `ack(i)` / `nack(i)` (i = hand-over order). With
 * `reportsOnlyErrors` (the at-least-once runtime's producer) an ack reports nothing, a nack reports
 * the failure, and `flush` resolves once every record handed over so far was acked or nacked.
 */
export class HeldAcks implements TransportProducer {
  readonly acks: {
    record: Outgoing;
    tag?: number;
    resolve: () => void;
    reject: (e: unknown) => void;
    done?: boolean;
  }[] = [];
  private listener?: (tag: number, error: unknown, count?: number) => void;
  private flushes: { upTo: number; resolve: () => void }[] = [];
  constructor(
    private readonly inner: TransportProducer,
    readonly reportsOnlyErrors = false,
  ) {}
  produce(record: Outgoing, tag: number): void {
    this.inner.send(record); // appended at once; only its report waits
    this.acks.push({
      record,
      tag,
      resolve: () => {
        if (!this.reportsOnlyErrors) this.listener?.(tag, undefined);
      },
      reject: (e) => this.listener?.(this.reportsOnlyErrors ? -1 : tag, e),
    });
  }
  onDelivery(listener: (tag: number, error: unknown, count?: number) => void): void {
    this.listener = listener;
  }
  expedite(): void {
    this.inner.expedite();
  }
  get transactional(): boolean {
    return this.inner.transactional;
  }
  get inFlight(): number {
    return this.acks.length;
  }
  connect = () => this.inner.connect();
  send(record: Outgoing): Promise<DeliveryReport> {
    const report = this.inner.send(record);
    return new Promise((resolve, reject) => {
      this.acks.push({ record, resolve: () => void report.then(resolve, reject), reject });
    });
  }
  ack(...indexes: number[]): void {
    for (const i of indexes) {
      this.acks[i]!.resolve();
      this.acks[i]!.done = true;
    }
    this.releaseFlushes();
  }
  /**
   * Acknowledges every `produce`d record not yet reported the way a producer that counts reports
   * does (the addon's, at least once): one report per tag with how many were delivered. Only the
   * first `upTo` handed over, when given.
   */
  ackCounted(upTo = this.acks.length): void {
    const counts = new Map<number, number>();
    for (const a of this.acks.slice(0, upTo)) {
      if (a.done || a.tag === undefined) continue;
      a.done = true;
      counts.set(a.tag, (counts.get(a.tag) ?? 0) + 1);
    }
    for (const [tag, n] of counts) this.listener?.(tag, undefined, n);
    this.releaseFlushes();
  }
  nack(i: number, e: unknown): void {
    this.acks[i]!.reject(e);
    this.acks[i]!.done = true;
    this.releaseFlushes();
  }
  /** Flushes waiting for reports (reportsOnlyErrors). */
  get flushing(): number {
    return this.flushes.length;
  }
  flush = (ms?: number): Promise<void> => {
    if (!this.reportsOnlyErrors) return this.inner.flush(ms);
    return new Promise((resolve) => {
      this.flushes.push({ upTo: this.acks.length, resolve });
      this.releaseFlushes();
    });
  };
  private releaseFlushes(): void {
    this.flushes = this.flushes.filter((f) => {
      const done = this.acks.slice(0, f.upTo).every((a) => a.done);
      if (done) f.resolve();
      return !done;
    });
  }
  beginTransaction = () => this.inner.beginTransaction();
  sendOffsetsToTransaction: TransportProducer['sendOffsetsToTransaction'] = (o, m) =>
    this.inner.sendOffsetsToTransaction(o, m);
  commitTransaction = () => this.inner.commitTransaction();
  abortTransaction = () => this.inner.abortTransaction();
  reinitialize = () => this.inner.reinitialize();
  disconnect = (ms?: number) => this.inner.disconnect(ms);
}

/** Lets pending promise callbacks run. */
export const flushMicrotasks = () => new Promise((r) => setImmediate(r));

export function engineHarness(
  options: {
    guarantee?: ProcessingGuarantee;
    /** At-least-once the way StreamsRuntime runs it: reports only errors, the barrier a flush. */
    flushBarrier?: boolean;
    production?: (e: unknown) => (typeof Decision)[keyof typeof Decision];
    metrics?: RuntimeMetrics;
    maxHeld?: number;
    maxUnreported?: number;
  } = {},
) {
  const broker = new InProcessBroker();
  broker.createTopic('in', { partitions: 1 });
  broker.createTopic('out', { partitions: 1 });
  const transport = new InProcessTransport({ broker, manual: true });
  const guarantee = options.guarantee ?? 'at_least_once';
  const producer = new HeldAcks(
    transport.producer({ transactionalId: guarantee === 'exactly_once' ? 'tx' : undefined }),
    options.flushBarrier === true,
  );
  const consumer = transport.member({
    groupId: 'g',
    topics: ['in'],
    onAssign: () => [],
    onBatch: () => undefined,
  });
  consumer.start();
  const tracker = new OffsetTracker();
  const failures: unknown[] = [];
  const log = silentLogger();
  // Late-bound as in StreamsRuntime: the writer marks the coordinator's transaction dirty.
  let commits!: CommitCoordinator;
  let resumes = 0;
  const outputs = new OutputWriter({
    producer,
    production: (e) => (options.production ?? (() => Decision.FAIL))(e),
    log,
    written: () => commits.markDirty(),
    fail: (e) => failures.push(e),
    maxHeld: options.maxHeld,
    maxUnreported: options.maxUnreported,
    released: () => resumes++,
  });
  commits = new CommitCoordinator({
    guarantee,
    producer,
    consumer,
    tracker,
    log,
    metrics: options.metrics,
    settled: () => outputs.settled(),
    writeFailed: () => outputs.failed !== undefined,
    failed: (e) => failures.push(e),
    resumed: () => resumes++,
  });
  const out = (v: string): Outgoing => ({
    topic: 'out',
    partition: 0,
    key: Buffer.from(v),
    value: Buffer.from(v),
  });

  /** Processes `in[0]@offset`, handing over one output per value; its offset finishes at once. */
  function processRecord(offset: number, ...values: string[]): void {
    tracker.begin('in:0', offset);
    for (const v of values) outputs.send(out(v));
    tracker.finish('in:0', offset);
  }

  const committed = () => broker.committed('g', 'in', 0);
  return {
    broker,
    producer,
    consumer,
    tracker,
    outputs,
    commits,
    failures,
    out,
    processRecord,
    committed,
    resumes: () => resumes,
  };
}
