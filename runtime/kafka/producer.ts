// One node-rdkafka producer per runtime instance, with promises that settle on the broker's
// delivery report (not on enqueue), queue-full backpressure, and the transactional API used by
// exactly-once processing.

import Kafka from 'node-rdkafka';
import type { ConnectionConfig } from '../../core/config.js';
import { KafkaError } from '../../core/errors.js';
import type { OutgoingRecord } from '../../core/record.js';
import { CountedProduce } from './counted-produce.js';
import { drainQueued, flushInSlices } from './flush-barrier.js';
import { ERR_QUEUE_FULL, kafkaError } from './kafka-errors.js';
import { type LibrdkafkaConfig, producerConfig } from './librdkafka-config.js';
import { watchProducer } from './native-batch.js';
import { toNativeHeaders } from './native-headers.js';
import { BatchedProduce } from './native-produce.js';
import { markNativeCallStuck, nativeCall } from './stuck-native-calls.js';

export interface DeliveryReport {
  topic: string;
  partition: number;
  offset: number;
}

export interface BusProducerOptions {
  connection: ConnectionConfig;
  clientId?: string;
  /** Makes the producer transactional (exactly-once). */
  transactionalId?: string;
  /** Extra librdkafka settings. @default {} */
  librdkafka?: LibrdkafkaConfig;
  /**
   * Delivery-report polling period, ms, when librdkafka cannot signal reports as they arrive (the
   * native addon missing): with the addon the producer polls only when its main queue has
   * something, and not at all otherwise. @default 2
   */
  pollIntervalMs?: number;
  /**
   * No report per `produce`d record crosses into JS, and `send` (a promise per record) is not
   * available. With the native addon (not transactional) reports are counted per tag in C++ and
   * handed over as counts (`onDelivery(tag, undefined, count)`), so a caller's barrier can wait for
   * the records of one tag while others are still being written; without it, librdkafka reports
   * only failures (`delivery.report.only.error`, tag -1) and `flush` is the barrier. @default false
   */
  reportOnlyErrors?: boolean;
}

/** A `send` waiting for its report (`topic`: a counted report names none). */
type Pending = { resolve: (r: DeliveryReport) => void; reject: (e: unknown) => void; topic: string };

/**
 * Told of the delivery report of each record handed over with `produce` (RecordCollector-style: no
 * promise per record): its `tag`, and the error when it was not delivered; or, for a producer that
 * counts reports, of `count` records of `tag` delivered.
 */
export type DeliveryListener = (tag: number, error: KafkaError | undefined, count?: number) => void;

/** A record's headers for node-rdkafka's per-record produce() (native-headers.ts). */
function headersOf(record: OutgoingRecord<unknown, unknown>): Kafka.MessageHeader[] | undefined {
  return record.headers ? toNativeHeaders(record.headers) : undefined;
}

/** How long a transactional call (given a 30 s timeout) may take before it counts as stuck. */
const TXN_GUARD_MS = 45_000;

export class BusProducer {
  private client: Kafka.Producer;
  private readonly pending = new Map<number, Pending>();
  private nextOpaque = 1;
  /** Records handed over with `produce` and not yet reported. */
  private produced = 0;
  private deliveryListener?: DeliveryListener;
  private connected = false;
  /** Stops librdkafka's signal that reports wait to be polled (see `connect`). */
  private unwatch?: () => void;
  /** Records waiting to be handed over again after librdkafka's queue was full. */
  private requeued = 0;
  /**
   * Not transactional, with the addon: `produce`d records' reports are counted per tag in C++ and
   * `send`s' positions come back in one array per poll (counted-produce.ts); nothing calls
   * node-rdkafka's poll() or flush() on this client.
   */
  private readonly counted: CountedProduce | undefined;
  readonly transactional: boolean;
  readonly reportsOnlyErrors: boolean;
  /**
   * Where `produce`d records go when they need no report each (reports only for errors, or a
   * transaction): to librdkafka a batch per call through the native addon (native-batch.ts).
   */
  private readonly batch: BatchedProduce | undefined;
  /**
   * `produce`d records are reported only when they fail (tag -1), so `flush` is their barrier:
   * with `reportOnlyErrors`, and for a transactional producer on the native batch path.
   */
  readonly flushIsBarrier: boolean;

  constructor(private readonly options: BusProducerOptions) {
    this.transactional = Boolean(options.transactionalId);
    this.reportsOnlyErrors = options.reportOnlyErrors === true;
    // With reports per record too: `send`s go through the addon, which hands their positions over
    // in one array per poll instead of node-rdkafka's report object and callback per record.
    this.counted =
      !this.transactional && CountedProduce.available()
        ? new CountedProduce(
            () => this.native,
            () => this.deliveryListener,
            (id, report, error) => this.settle(id, report, error),
          )
        : undefined;
    // Transactional: a transaction's commit is what says its records were delivered, so its
    // `produce`d records need no report each either (`send`, for changelog offsets, keeps one).
    this.batch =
      !this.counted && (this.reportsOnlyErrors || this.transactional) && BatchedProduce.available()
        ? // From the first record librdkafka refuses, the per-record path retries or reports each.
          new BatchedProduce(
            () => this.native,
            (record) => this.enqueue(record, undefined, headersOf(record)),
          )
        : undefined;
    this.flushIsBarrier = !this.counted && (this.reportsOnlyErrors || this.batch !== undefined);
    this.client = this.create(this.extraConfig());
  }

  private extraConfig(): LibrdkafkaConfig {
    const extra: LibrdkafkaConfig = { ...(this.options.librdkafka ?? {}) };
    if (this.options.transactionalId) extra['transactional.id'] = this.options.transactionalId;
    // Counted: librdkafka reports every record, to the addon; node-rdkafka's JS callback stays off.
    if (this.counted) extra.dr_cb = false;
    else if (this.reportsOnlyErrors) extra['delivery.report.only.error'] = true;
    return extra;
  }

  /** The node-rdkafka producer (a new one after `reinitialize`). */
  get native(): Kafka.Producer {
    return this.client;
  }

  private create(extra: LibrdkafkaConfig): Kafka.Producer {
    const { options } = this;
    const native = new Kafka.Producer(
      producerConfig(
        options.connection,
        options.clientId ?? `${options.connection.kafka.clientId}-producer`,
        extra,
      ) as Kafka.ProducerGlobalConfig,
    );
    native.on('delivery-report', (err, report) => {
      const opaque = report.opaque as number | undefined;
      if (opaque === undefined) {
        // Reports only for errors: a `produce`d record that failed (its tag is unknown).
        if (native !== this.client || !err) return;
        this.deliveryListener?.(
          -1,
          kafkaError('KAFKA_PRODUCE', 'delivery failed', err, {
            topic: report.topic,
            partition: report.partition,
          }),
        );
        return;
      }
      if (opaque < 0) {
        // A `produce`d record: its tag is -1 - opaque. A client replaced meanwhile reports no more.
        if (native !== this.client) return;
        this.produced--;
        this.deliveryListener?.(
          -1 - opaque,
          err
            ? kafkaError('KAFKA_PRODUCE', 'delivery failed', err, {
                topic: report.topic,
                partition: report.partition,
              })
            : undefined,
        );
        return;
      }
      const p = this.pending.get(opaque);
      if (!p) return;
      this.pending.delete(opaque);
      if (err)
        p.reject(
          kafkaError('KAFKA_PRODUCE', 'delivery failed', err, {
            topic: report.topic,
            partition: report.partition,
          }),
        );
      else p.resolve({ topic: report.topic, partition: report.partition, offset: report.offset });
    });
    return native;
  }

  /**
   * Replaces a fenced or failed transactional producer with a new one of the same transactional id:
   * every record not yet acknowledged is rejected, the old producer is closed, and the new one's
   * `initTransactions` fences the old epoch and aborts its open transaction.
   */
  async reinitialize(): Promise<void> {
    const old = this.client;
    this.batch?.clear(); // the old transaction's; never into the new one
    for (const p of this.pending.values())
      p.reject(new KafkaError('KAFKA_TRANSACTION', 'producer re-initialised: its transaction was aborted'));
    this.pending.clear();
    this.produced = 0; // the old client's reports are ignored; its records were aborted
    this.stopWatching(old);
    // A client stuck in a native call may never answer its disconnect either: do not wait for it.
    await new Promise<void>((resolve) => {
      let answered: (() => void) | undefined;
      const guard = setTimeout(() => {
        answered = markNativeCallStuck();
        resolve();
      }, 6_000);
      old.disconnect(5_000, () => {
        answered?.();
        clearTimeout(guard);
        resolve();
      });
    });
    this.client = this.create(this.extraConfig());
    this.connected = false;
    await this.connect();
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await new Promise<void>((resolve, reject) => {
      this.native.connect({ timeout: 30_000 }, (err) =>
        err ? reject(kafkaError('KAFKA_CONNECTION', 'producer could not connect', err)) : resolve(),
      );
    });
    this.watchReports();
    this.connected = true;
    if (this.transactional) {
      await this.call('KAFKA_TRANSACTION', 'initTransactions', (cb) =>
        this.native.initTransactions(30_000, cb),
      );
    }
  }

  /**
   * Delivery reports (and errors) are served by polling the client. With the addon, librdkafka
   * signals the event loop when its main queue receives one and the producer polls then: no timer
   * waking the process every 2 ms (500 wakeups a second, most of an idle runtime's CPU), and a
   * report reaches its promise without waiting for the next tick of a timer. Without it, a timer.
   */
  private watchReports(): void {
    const native = this.native;
    if (this.counted) {
      this.counted.watch(native, this.options.pollIntervalMs ?? 2);
      return;
    }
    if (BatchedProduce.available()) {
      try {
        this.unwatch = watchProducer(native, () => {
          if (native.isConnected()) native.poll();
        });
        return;
      } catch {
        // No signal: poll on a timer as before.
      }
    }
    native.setPollInterval(this.options.pollIntervalMs ?? 2);
  }

  private stopWatching(native: Kafka.Producer): void {
    this.unwatch?.();
    this.unwatch = undefined;
    this.counted?.stop();
    native.setPollInterval(0);
  }

  /** Enqueues one record; the promise settles on its delivery report. */
  send(record: OutgoingRecord<Buffer | string | null, Buffer | null>): Promise<DeliveryReport> {
    if (this.reportsOnlyErrors)
      return Promise.reject(
        new KafkaError('BAD_REQUEST', 'send() needs delivery reports: this producer reports only errors'),
      );
    const opaque = this.nextOpaque++;
    const promise = new Promise<DeliveryReport>((resolve, reject) =>
      this.pending.set(opaque, { resolve, reject, topic: record.topic }),
    );
    // With the addon the record rides the next batch, its id as the opaque (counted-produce.ts).
    if (this.counted) this.counted.send(record, opaque);
    // Header values go to node-rdkafka as strings: it converts every value with a JS toString()
    // called from C++ anyway, and a Buffer costs that callback per header per record (the
    // benchmark's profile showed produce() at 10–30 µs with three headers, 3–7 µs without).
    // Values that are not text travel base64-encoded (native-headers.ts).
    else this.enqueue(record, opaque, headersOf(record));
    return promise;
  }

  /**
   * Hands one record over without a promise (Kafka Streams' RecordCollector): its delivery report
   * goes to the listener set with `onDelivery`, with `tag` (a small non-negative integer the caller
   * uses to know which commit the record belongs to). With `reportOnlyErrors` only a failure is
   * reported (tag -1), and `flush` is the barrier.
   */
  produce(record: OutgoingRecord<Buffer | string | null, Buffer | null>, tag: number): void {
    if (this.counted) {
      this.counted.produce(record, tag);
      return;
    }
    if (this.batch) {
      this.batch.add(record);
      return;
    }
    const headers = headersOf(record);
    if (this.reportsOnlyErrors) {
      this.enqueue(record, undefined, headers);
      return;
    }
    this.produced++;
    this.enqueue(record, -1 - tag, headers);
  }

  /** Where delivery reports of `produce`d records go (one listener). */
  onDelivery(listener: DeliveryListener): void {
    this.deliveryListener = listener;
  }

  private enqueue(
    record: OutgoingRecord<Buffer | string | null, Buffer | null>,
    opaque: number | undefined,
    headers: Kafka.MessageHeader[] | undefined,
    attempt = 0,
    client = this.client,
  ): void {
    // Rejected meanwhile (the producer was re-initialised): never write it into a new transaction.
    if (opaque === undefined || opaque < 0 ? client !== this.client : !this.pending.has(opaque)) return;
    try {
      this.native.produce(
        record.topic,
        record.partition ?? null,
        record.value,
        record.key ?? undefined,
        record.timestamp ?? Date.now(),
        opaque,
        headers,
      );
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === ERR_QUEUE_FULL && attempt < 500) {
        // librdkafka's queue is full: let delivery reports drain it, then try again.
        this.native.poll();
        this.requeued++;
        setTimeout(() => {
          this.requeued--;
          this.enqueue(record, opaque, headers, attempt + 1, client);
        }, 5);
        return;
      }
      const e = kafkaError('KAFKA_PRODUCE', 'produce failed', err, { topic: record.topic });
      if (opaque === undefined) {
        this.deliveryListener?.(-1, e);
        return;
      }
      if (opaque < 0) {
        this.produced--;
        this.deliveryListener?.(-1 - opaque, e);
        return;
      }
      const p = this.pending.get(opaque);
      this.pending.delete(opaque);
      p?.reject(e);
    }
  }

  /** Sends many records; resolves when every one is acknowledged. */
  sendAll(
    records: readonly OutgoingRecord<Buffer | string | null, Buffer | null>[],
  ): Promise<DeliveryReport[]> {
    return Promise.all(records.map((r) => this.send(r)));
  }

  /** Hands the records batched so far to librdkafka now (they would go at the end of this task). */
  expedite(): void {
    if (this.counted) this.counted.expedite();
    else this.batch?.ship();
  }

  /**
   * Resolves once every record handed over so far is acknowledged or reported failed (a failure's
   * report is dispatched before this resolves); rejects when `timeoutMs` passes first.
   */
  async flush(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const counted = this.counted;
    if (counted) {
      const native = this.native;
      await this.call('KAFKA_PRODUCE', 'flush', (cb) =>
        counted.flush({ native, deadline, current: () => this.native === native }, cb),
      );
      return;
    }
    this.batch?.ship();
    // Records waiting for room in librdkafka's queue are not in it yet: wait until they are.
    while (this.requeued > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    const native = this.native;
    const barrier = { native, deadline, current: () => this.native === native };
    await this.call('KAFKA_PRODUCE', 'flush', (cb) =>
      this.batch
        ? drainQueued(barrier, cb)
        : flushInSlices(barrier, this.flushIsBarrier ? 1 : Number.POSITIVE_INFINITY, cb),
    );
    // Both polled, so reports of failed records are queued for this thread; they are dispatched by
    // the time a macrotask later runs.
    await new Promise((r) => setImmediate(r));
  }

  beginTransaction(): Promise<void> {
    return this.call('KAFKA_TRANSACTION', 'beginTransaction', (cb) => this.native.beginTransaction(cb));
  }

  sendOffsetsToTransaction(
    offsets: Kafka.TopicPartitionOffset[],
    consumer: Kafka.KafkaConsumer,
  ): Promise<void> {
    return this.call(
      'KAFKA_TRANSACTION',
      'sendOffsetsToTransaction',
      (cb) => this.native.sendOffsetsToTransaction(offsets, consumer, 30_000, cb),
      TXN_GUARD_MS,
    );
  }

  commitTransaction(): Promise<void> {
    return this.call(
      'KAFKA_TRANSACTION',
      'commitTransaction',
      (cb) => this.native.commitTransaction(30_000, cb),
      TXN_GUARD_MS,
    );
  }

  abortTransaction(): Promise<void> {
    return this.call(
      'KAFKA_TRANSACTION',
      'abortTransaction',
      (cb) => this.native.abortTransaction(30_000, cb),
      TXN_GUARD_MS,
    );
  }

  /** Number of records enqueued and not yet acknowledged. */
  get inFlight(): number {
    // Counted: `send`s are among the counted records (and in `pending` until their report).
    return this.counted ? this.counted.produced : this.pending.size + this.produced;
  }

  /** A counted `send`'s report: its promise settles with the record's position or the failure. */
  private settle(
    id: number,
    report: { partition: number; offset: number } | undefined,
    error: unknown,
  ): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (report) p.resolve({ topic: p.topic, partition: report.partition, offset: report.offset });
    else p.reject(error);
  }

  async disconnect(timeoutMs = 10_000): Promise<void> {
    if (!this.connected) return;
    try {
      await this.flush(timeoutMs);
    } finally {
      this.stopWatching(this.native);
      await new Promise<void>((resolve) => this.native.disconnect(timeoutMs, () => resolve()));
      this.connected = false;
      for (const p of this.pending.values())
        p.reject(new KafkaError('SHUTDOWN', 'producer closed before delivery'));
      this.pending.clear();
    }
  }

  private call(
    code: 'KAFKA_PRODUCE' | 'KAFKA_TRANSACTION',
    what: string,
    fn: (cb: (err: unknown) => void) => void,
    guardMs?: number,
  ): Promise<void> {
    return nativeCall(code, what, fn, guardMs);
  }
}
