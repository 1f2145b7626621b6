// A node-rdkafka consumer-group member with the library's pitfalls handled: batch consumption with
// a short per-call timeout (consume(n) waits per message, so the timeout must stay small), no 500 ms
// idle sleep, cooperative-sticky rebalances whose assign/revoke hooks may be asynchronous (restore
// state before processing, drain and commit before giving a partition away), and pause/resume for
// backpressure.

import Kafka from 'node-rdkafka';
import type { ConnectionConfig } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import { silentLogger } from '../../core/logger.js';
import type { KafkaRecord } from '../../core/record.js';
import { kafkaError } from './kafka-errors.js';
import { consumerConfig, type LibrdkafkaConfig } from './librdkafka-config.js';
import {
  consumeBatch,
  consumeNow,
  consumeRecordBatch,
  consumeRecordsNow,
  watchConsumer,
} from './native-batch.js';
import { fromNativeHeaders } from './native-headers.js';

/** A consumed record as the bus's readers take it: raw key and value bytes, headers as Buffers. */
export type ConsumedRecord = KafkaRecord<Buffer | null, Buffer | null>;

/** A node-rdkafka message as a `ConsumedRecord` (binary header values sent base64 decoded back). */
export function toRawRecord(m: Kafka.Message): ConsumedRecord {
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    key: (m.key as Buffer | undefined) ?? null,
    value: m.value ?? null,
    timestamp: m.timestamp ?? Date.now(),
    headers: fromNativeHeaders(m.headers),
  };
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

export interface BusConsumerOptions {
  connection: ConnectionConfig;
  groupId: string;
  topics: readonly string[];
  clientId?: string;
  /** Records per consume call. @default 2000 */
  batchSize?: number;
  /** Wait of one consume call, ms; it is charged per message by node-rdkafka, so keep it 0. @default 0 */
  consumeTimeoutMs?: number;
  /**
   * Sleep after a consume call that returned nothing, ms. When given, it replaces the idle wait in
   * librdkafka (`idleWaitMs`) with a timer. Not used on the native path, which waits for records
   * to arrive (`idleWaitMs` at most).
   */
  idleSleepMs?: number;
  /**
   * After a consume call that returned nothing, the next asks for one record and waits up to this
   * long inside librdkafka: it returns as soon as a record arrives, so an idle member costs a wake-up
   * per wait instead of one per millisecond, and adds no latency. On the native path the wait is
   * on the event loop (librdkafka signals arrivals): `onIdle` runs at least this often. @default 10
   */
  idleWaitMs?: number;
  /**
   * `cooperative-sticky` moves only the partitions that must move; `range` gives partition p of
   * every subscribed topic with the same partition count to the same member (co-partitioning).
   * @default "cooperative-sticky"
   */
  assignmentStrategy?: 'cooperative-sticky' | 'range' | 'roundrobin';
  /** `read_committed` for exactly-once pipelines. @default "read_committed" */
  isolationLevel?: 'read_committed' | 'read_uncommitted';
  /** Where a group without committed offsets starts. @default "earliest" */
  autoOffsetReset?: 'earliest' | 'latest';
  librdkafka?: LibrdkafkaConfig;
  logger?: Logger;
  /**
   * Partitions newly assigned; they stay paused until the promise settles (state restore). Those it
   * resolves to stay paused after (their task could not restore): the caller resumes them.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a listener that returns nothing is the common case
  onAssign?: (partitions: TopicPartition[]) => Promise<TopicPartition[] | undefined> | void;
  /** Partitions about to be taken away; they are released once the promise settles (drain, commit). */
  onRevoke?: (partitions: TopicPartition[]) => Promise<void> | void;
  /** A batch of messages; the next batch is fetched once the returned promise settles. */
  onBatch?: (messages: Kafka.Message[]) => Promise<void> | void;
  /**
   * Instead of `onBatch`: a batch as records. Through the addon they are `PackedRecord`s, whose
   * key, value and headers are made when first read (native-batch.ts), so a queued backlog holds
   * one small object per record.
   */
  onRecords?: (records: ConsumedRecord[]) => Promise<void> | void;
  /** A consume call returned nothing (e.g. to age pauses while the unpaused partitions are idle). */
  onIdle?: () => void;
  onError?: (e: unknown) => void;
}

const ERR_ASSIGN = -175;
const ERR_REVOKE = -174;

export class BusConsumer {
  readonly native: Kafka.KafkaConsumer;
  private running = false;
  private suspended = false;
  private closing = false;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly assigned = new Map<string, TopicPartition>();
  private rebalancing: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  /** Number of rebalances this member has been through. */
  rebalances = 0;
  /** Batches come through the native addon (no 'data' or 'partition.eof' events are emitted). */
  private readonly packed = consumeBatch.available();
  /** `enable.partition.eof` is on: consumeNow pops records one by one (see native-batch.ts). */
  private readonly eofEvents: boolean;
  /** Stops the arrival watch of the native path (set while connected). */
  private unwatch?: () => void;
  /** Something arrived since the queue was last read; `wake` ends the current idle wait. */
  private arrived = false;
  private wake?: () => void;

  constructor(private readonly options: BusConsumerOptions) {
    this.log = options.logger ?? silentLogger();
    const conf = consumerConfig(
      options.connection,
      options.clientId ?? `${options.connection.kafka.clientId}-consumer`,
      options.groupId,
      {
        'isolation.level': options.isolationLevel ?? 'read_committed',
        'partition.assignment.strategy': options.assignmentStrategy ?? 'cooperative-sticky',
        rebalance_cb: (err: Kafka.LibrdKafkaError, assignment: Kafka.Assignment[]) =>
          this.onRebalance(err, assignment),
        ...(options.librdkafka ?? {}),
      },
    );
    const eof = (conf as Record<string, unknown>)['enable.partition.eof'];
    this.eofEvents = eof === true || eof === 'true';
    this.native = new Kafka.KafkaConsumer(conf as Kafka.ConsumerGlobalConfig, {
      'auto.offset.reset': options.autoOffsetReset ?? 'earliest',
    });
    this.native.on('event.error', (e) =>
      this.options.onError?.(kafkaError('KAFKA_CONSUME', 'consumer error', e)),
    );
  }

  async connect(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.native.connect({ timeout: 30_000 }, (err) =>
        err ? reject(kafkaError('KAFKA_CONNECTION', 'consumer could not connect', err)) : resolve(),
      );
    });
    // node-rdkafka sleeps 500 ms after an idle consume unless told otherwise.
    this.native.setDefaultConsumeLoopTimeoutDelay(1);
    this.native.setDefaultConsumeTimeout(this.options.consumeTimeoutMs ?? 0);
    this.native.subscribe([...this.options.topics]);
    if (this.packed) {
      // Read on the main thread and wait for librdkafka's signal: no threadpool hop per batch.
      // Without the signal, batches are read in the threadpool (consumeBatch).
      try {
        this.unwatch = watchConsumer(this.native, () => {
          this.arrived = true;
          this.wake?.();
        });
      } catch (err) {
        this.log.warn({ err }, 'no arrival signal from librdkafka: reading batches in the threadpool');
      }
    }
  }

  /** Resolves when something arrives on the consumer's queue, or after `ms`, or on close. */
  private arrival(ms: number): Promise<void> {
    if (this.arrived || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Starts the consume loop. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  private async loop(): Promise<void> {
    const batchSize = this.options.batchSize ?? 2000;
    const timeoutMs = this.options.consumeTimeoutMs ?? 0;
    const idleWaitMs = this.options.idleSleepMs === undefined ? (this.options.idleWaitMs ?? 10) : 0;
    let idle = false;
    while (this.running) {
      // Wait until no rebalance is in progress: one may chain onto another while we wait.
      for (let seen = this.rebalancing; ; seen = this.rebalancing) {
        await seen;
        if (seen === this.rebalancing || !this.running) break;
      }
      if (this.suspended) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const records = this.options.onRecords !== undefined;
      let messages: Kafka.Message[] | ConsumedRecord[];
      try {
        // consume(n) waits up to the timeout for EACH of its n messages, so with a timeout a batch
        // is handed over only when full or when the stream pauses for a whole timeout: a trickle
        // waits for n records. With timeout 0 it takes what librdkafka has queued, at once; after
        // an empty answer the next call waits for one record (`idleWaitMs`).
        // Idle: wait for one record inside librdkafka (it returns as soon as one arrives).
        const waiting = idle && idleWaitMs > 0;
        if (this.unwatch) {
          if (idle) await this.arrival(this.options.idleWaitMs ?? 10);
          if (!this.running) break;
          this.arrived = false;
          messages = records
            ? consumeRecordsNow(this.native, batchSize, this.eofEvents)
            : consumeNow(this.native, batchSize, this.eofEvents);
        } else if (this.packed) {
          // One crossing per batch, records packed in one Buffer (native-batch.ts).
          const max = waiting ? 1 : batchSize;
          const wait = waiting ? idleWaitMs : timeoutMs;
          messages = await new Promise<Kafka.Message[] | ConsumedRecord[]>((resolve, reject) =>
            records
              ? consumeRecordBatch(this.native, max, wait, (err, r) => (err ? reject(err) : resolve(r!)))
              : consumeBatch(this.native, max, wait, (err, m) => (err ? reject(err) : resolve(m!))),
          );
        } else {
          if (waiting) this.native.setDefaultConsumeTimeout(idleWaitMs);
          messages = await new Promise<Kafka.Message[]>((resolve, reject) => {
            this.native.consume(waiting ? 1 : batchSize, (err, msgs) => (err ? reject(err) : resolve(msgs)));
          }).finally(() => {
            if (waiting) this.native.setDefaultConsumeTimeout(timeoutMs);
          });
          if (records) messages = (messages as Kafka.Message[]).map(toRawRecord);
        }
      } catch (err) {
        if (!this.running) break;
        this.options.onError?.(kafkaError('KAFKA_CONSUME', 'consume failed', err));
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      idle = messages.length === 0;
      if (messages.length > 0) {
        try {
          if (records) await this.options.onRecords!(messages as ConsumedRecord[]);
          else await this.options.onBatch?.(messages as Kafka.Message[]);
        } catch (err) {
          this.options.onError?.(err);
        }
      } else {
        try {
          this.options.onIdle?.();
        } catch (err) {
          this.options.onError?.(err);
        }
        // Idle without a wait in librdkafka: a short sleep instead of the library's 500 ms, or a busy loop.
        if (idleWaitMs === 0 && !this.unwatch)
          await new Promise((r) => setTimeout(r, this.options.idleSleepMs ?? 1));
      }
    }
  }

  private onRebalance(err: Kafka.LibrdKafkaError, assignment: Kafka.Assignment[]): void {
    const partitions = assignment.map((a) => ({ topic: a.topic, partition: a.partition }));
    this.rebalances++;
    const previous = this.rebalancing;
    this.rebalancing = previous.then(async () => {
      try {
        // Cooperative protocols hand out deltas; eager ones (range) revoke everything and then
        // assign the full new set.
        const cooperative = this.native.rebalanceProtocol() === 'COOPERATIVE';
        if (err.code === ERR_ASSIGN) {
          if (cooperative) this.native.incrementalAssign(assignment);
          else this.native.assign(assignment);
          for (const p of partitions) this.assigned.set(key(p), p);
          if (this.options.onAssign && partitions.length > 0) {
            this.native.pause(partitions);
            let held: TopicPartition[] | undefined;
            try {
              held = (await this.options.onAssign(partitions)) ?? undefined;
            } finally {
              const keep = new Set((held ?? []).map(key));
              this.native.resume(partitions.filter((p) => !keep.has(key(p))));
            }
          }
          this.log.info({ partitions }, 'partitions assigned');
        } else if (err.code === ERR_REVOKE) {
          // While closing, close() already drained and committed everything it owned.
          if (!this.closing && this.options.onRevoke && partitions.length > 0)
            await this.options.onRevoke(partitions);
          for (const p of partitions) this.assigned.delete(key(p));
          if (cooperative) this.native.incrementalUnassign(assignment);
          else this.native.unassign();
          this.log.info({ partitions }, 'partitions revoked');
        } else {
          this.options.onError?.(kafkaError('KAFKA_CONSUME', 'rebalance error', err));
        }
      } catch (e) {
        this.options.onError?.(e);
      }
    });
  }

  /** Partitions this member owns now. */
  assignment(): TopicPartition[] {
    return [...this.assigned.values()];
  }

  /**
   * Stops (or restarts) fetching without leaving the group: the loop hands out nothing until
   * un-suspended (a batch already being fetched is still delivered). A member suspended longer than
   * `max.poll.interval.ms` is taken out of the group by librdkafka.
   */
  suspend(suspended: boolean): void {
    this.suspended = suspended;
  }

  pause(partitions: TopicPartition[]): void {
    if (partitions.length > 0) this.native.pause(partitions);
  }

  resume(partitions: TopicPartition[]): void {
    if (partitions.length > 0) this.native.resume(partitions);
  }

  /**
   * Runs `fn` between rebalances: assign/revoke callbacks wait for it, and so does the consume loop
   * (a batch already being fetched is still delivered).
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.rebalancing.then(fn);
    this.rebalancing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** The group's committed offset of each partition (`offset` absent or negative when none). */
  committed(partitions: TopicPartition[], timeoutMs = 10_000): Promise<TopicPartitionOffset[]> {
    if (partitions.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) =>
      this.native.committed(partitions, timeoutMs, (err, offsets) =>
        err
          ? reject(kafkaError('KAFKA_CONSUME', 'reading committed offsets', err))
          : resolve(offsets as TopicPartitionOffset[]),
      ),
    );
  }

  /** Moves the fetch position of a (paused) partition back to `offset`: its records are read again. */
  seek(tp: TopicPartitionOffset): void {
    this.native.seek(tp, 0, (err) => {
      if (err) this.options.onError?.(kafkaError('KAFKA_CONSUME', `seek ${key(tp)} to ${tp.offset}`, err));
    });
  }

  /** Commits `offset` = next record to read, per partition. Synchronous when `sync`. */
  commit(offsets: TopicPartitionOffset[], sync = false): void {
    if (offsets.length === 0) return;
    try {
      if (sync) this.native.commitSync(offsets);
      else this.native.commit(offsets);
    } catch (err) {
      throw kafkaError('KAFKA_CONSUME', 'commit failed', err);
    }
  }

  /**
   * Stores `offset` = next record to read, per partition, for librdkafka's auto-commit (with
   * `enable.auto.commit: true`; the bus default leaves it off and stores nothing by itself).
   */
  storeOffsets(offsets: TopicPartitionOffset[]): void {
    if (offsets.length === 0) return;
    try {
      this.native.offsetsStore(offsets);
    } catch (err) {
      throw kafkaError('KAFKA_CONSUME', 'offset store failed', err);
    }
  }

  /** Stops the loop (after the current batch), leaves the group and disconnects. */
  async close(): Promise<void> {
    if (!this.running && !this.native.isConnected()) return;
    this.running = false;
    this.wake?.();
    await this.loopDone;
    this.unwatch?.();
    this.unwatch = undefined;
    await this.rebalancing;
    const owned = this.assignment();
    if (this.options.onRevoke && owned.length > 0) await this.options.onRevoke(owned);
    this.closing = true;
    await new Promise<void>((resolve) => {
      try {
        this.native.unsubscribe();
      } catch {
        // already gone
      }
      this.native.disconnect(() => resolve());
    });
  }
}

function key(p: TopicPartition): string {
  return `${p.topic}:${p.partition}`;
}
