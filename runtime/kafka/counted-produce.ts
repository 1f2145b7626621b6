// At-least-once `produce` with delivery reports counted per tag in C++ (native/kafka_batch.cc,
// `reports`): records go to librdkafka a batch per call through the addon, each batch carrying
// its tag (the caller's commit period) as librdkafka's opaque, and the addon serves the producer's
// main queue with the event API, handing over one count per tag instead of a report per record.
// A barrier can then wait for the records of one tag while later ones are still being written
// (the OutputWriter's commit barrier), where reports of failures only (`delivery.report.only.error`)
// leave a flush — which ends only once nothing more is handed over — as the one barrier. A `send`
// rides the same batches with its own id as the opaque; its position comes back in one array per
// poll, so a producer that reports every record (EventPublisher's) costs no crossing per report
// either.
//
// While a producer is served this way nothing may call node-rdkafka's poll() or flush() on it:
// those would hand the same reports to node-rdkafka's callbacks.

import type Kafka from 'node-rdkafka';
import type { OutgoingRecord } from '../../core/record.js';
import { type BarrierOptions, drainCounted } from './flush-barrier.js';
import { ERR_NOT_CONNECTED, ERR_QUEUE_FULL, kafkaError } from './kafka-errors.js';
import { producerReports, watchProducer } from './native-batch.js';
import { BatchedProduce } from './native-produce.js';
import type { DeliveryListener } from './producer.js';

type Outgoing = OutgoingRecord<Buffer | string | null, Buffer | null>;

/** Where a `send`'s report goes: its position, or why it was not delivered. */
export type PositionListener = (
  id: number,
  report: { partition: number; offset: number } | undefined,
  error: unknown,
) => void;

export class CountedProduce {
  /** Records handed over and not yet reported. */
  produced = 0;
  private readonly batch: BatchedProduce;
  /** Records librdkafka refused for a full queue, and all after them, in order; retried every 5 ms. */
  private waiting: { record: Outgoing; tag: number; id: number }[] = [];
  private retrying?: NodeJS.Timeout;
  private unwatch?: () => void;
  /** Without librdkafka's signal: the timer that serves the reports. */
  private serving?: NodeJS.Timeout;

  /** Whether the addon is there to count (otherwise the producer reports failures only). */
  static available(): boolean {
    return BatchedProduce.available();
  }

  constructor(
    private readonly client: () => Kafka.Producer,
    private readonly listener: () => DeliveryListener | undefined,
    private readonly positioned?: PositionListener,
  ) {
    this.batch = new BatchedProduce(client, (record, tag, err, id) =>
      this.refused(record, tag ?? 0, err, id),
    );
  }

  produce(record: Outgoing, tag: number): void {
    this.produced++;
    if (this.waiting.length > 0) this.waiting.push({ record, tag, id: -1 });
    else this.batch.add(record, tag);
  }

  /**
   * Hands one record over whose report gives its position, under `id` (>= 0), to the position
   * listener: `send` without a crossing from C++ per report or a call into librdkafka per record.
   */
  send(record: Outgoing, id: number): void {
    this.produced++;
    if (this.waiting.length > 0) this.waiting.push({ record, tag: -1, id });
    else this.batch.add(record, undefined, id);
  }

  /** Hands what is packed to librdkafka now (unless records wait for room: they go first). */
  expedite(): void {
    if (this.waiting.length === 0) this.batch.ship();
  }

  /** Serves the reports when librdkafka signals them (or every `pollIntervalMs` without the signal). */
  watch(native: Kafka.Producer, pollIntervalMs: number): void {
    try {
      this.unwatch = watchProducer(native, () => this.serve());
    } catch {
      this.serving = setInterval(() => this.serve(), pollIntervalMs).unref();
    }
  }

  /** Stops serving and retrying (before the client disconnects). */
  stop(): void {
    this.unwatch?.();
    this.unwatch = undefined;
    clearInterval(this.serving);
    this.serving = undefined;
    clearTimeout(this.retrying);
    this.retrying = undefined;
  }

  /** Ends once every record handed over so far is reported (a failure's report delivered first). */
  flush(barrier: BarrierOptions, cb: (err: unknown) => void): void {
    this.expedite();
    drainCounted(
      barrier,
      () => {
        this.serve();
        return this.produced;
      },
      cb,
    );
  }

  /**
   * Hands the reports librdkafka holds to the listener — delivered records as a count per tag,
   * each failure with its error — and client errors to 'event.error', as node-rdkafka would.
   */
  serve(): void {
    const native = this.client();
    for (;;) {
      let reports: ReturnType<typeof producerReports>;
      try {
        reports = producerReports(native);
      } catch {
        return; // disconnected meanwhile
      }
      if (!reports) return;
      const [counts, failures, errors, more, positions] = reports;
      const listener = this.listener();
      if (positions) {
        for (let i = 0; i < positions.length; i += 3) {
          this.produced--;
          this.positioned?.(
            positions[i]!,
            { partition: positions[i + 1]!, offset: positions[i + 2]! },
            undefined,
          );
        }
      }
      for (let i = 0; i < counts.length; i += 2) {
        const tag = counts[i]!;
        const n = counts[i + 1]!;
        if (tag < 0) continue; // not a `produce`d record
        this.produced -= n;
        listener?.(tag, undefined, n);
      }
      for (const [tag, code, message, topic, partition, id] of failures) {
        const error = kafkaError('KAFKA_PRODUCE', 'delivery failed', { code, message }, { topic, partition });
        if (id !== undefined) {
          this.produced--;
          this.positioned?.(id, undefined, error);
          continue;
        }
        if (tag < 0) continue;
        this.produced--;
        listener?.(tag, error, 1);
      }
      for (const [code, message, fatal] of errors)
        native.emit('event.error', Object.assign(new Error(message), { code, isFatal: fatal }));
      if (!more) return;
    }
  }

  /** A record librdkafka refused: a full queue is waited out, in order; anything else is its failure. */
  private refused(record: Outgoing, tag: number, err: number, id: number): void {
    if (err === ERR_QUEUE_FULL) {
      this.waiting.push({ record, tag, id });
      this.retrying ??= setTimeout(this.retryWaiting, 5);
      return;
    }
    this.produced--;
    const cause = {
      code: err,
      message: err === ERR_NOT_CONNECTED ? 'Producer not connected' : `librdkafka error ${err}`,
    };
    const error = kafkaError('KAFKA_PRODUCE', 'produce failed', cause, { topic: record.topic });
    if (id >= 0) this.positioned?.(id, undefined, error);
    else this.listener()?.(tag, error, 1);
  }

  /** Hands the waiting records over again, in order, stopping at a refusal. */
  private readonly retryWaiting = () => {
    this.retrying = undefined;
    this.serve(); // acknowledged records make room
    const waiting = this.waiting;
    this.waiting = [];
    for (let i = 0; i < waiting.length; i++) {
      if (this.waiting.length > 0) {
        // Refused again: the rest queue up behind, in order.
        for (let j = i; j < waiting.length; j++) this.waiting.push(waiting[j]!);
        break;
      }
      const w = waiting[i]!;
      if (w.id >= 0) this.batch.add(w.record, undefined, w.id);
      else this.batch.add(w.record, w.tag);
    }
    if (this.waiting.length === 0) this.batch.ship();
  };
}
