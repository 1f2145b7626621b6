// The typed ends of the test driver: an input topic that serializes keys and values and pipes
// them in (processing happens before `pipeInput` returns), and an output topic that reads what the
// topology wrote, in production order, deserialized.

import { BusError } from '../../core/errors.js';
import type { RecordHeaders, Serde } from '../../core/record.js';
import type { KeyValue } from '../../processors/stores/types.js';
import type { BrokerRecord, InProcessBroker } from './broker.js';

/** Metadata of a piped record. */
export interface PipeOptions {
  /** Event time, epoch ms. @default the driver's wall-clock time */
  readonly timestamp?: number;
  /** @default {} */
  readonly headers?: RecordHeaders;
  /** Force a partition. @default murmur2 of the key bytes */
  readonly partition?: number;
}

/** A record read from an output topic. */
export interface TestRecord<K, V> {
  readonly key: K | null;
  readonly value: V | null;
  readonly timestamp: number;
  readonly headers: RecordHeaders;
  readonly partition: number;
  readonly offset: number;
}

/** What input topics need of the driver. */
export interface InputSink {
  readonly broker: InProcessBroker;
  now(): number;
  /** Processes everything pending, synchronously. */
  drain(): void;
  /** Processes everything pending, awaiting async serde steps. */
  drainAsync(): Promise<void>;
}

/**
 * Pipes typed records into a topic.
 *
 * @example
 * const orders = driver.createInputTopic('tm.orders', Serdes.string(), orderSerde);
 * orders.pipeInput('AAPL', sampleEvent('ORDER_PLACED'), { timestamp: 1_000 });
 */
export class TestInputTopic<K, V> {
  /** @internal use `driver.createInputTopic` */
  constructor(
    readonly topic: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    private readonly driver: InputSink,
  ) {}

  /** Appends one record and processes it (and everything it causes) before returning. */
  pipeInput(key: K | null, value: V | null, options: PipeOptions = {}): void {
    this.append(key, value, options);
    this.driver.drain();
  }

  /** Like `pipeInput`, awaiting serdes that must fetch something first (an unknown Avro writer). */
  async pipeInputAsync(key: K | null, value: V | null, options: PipeOptions = {}): Promise<void> {
    this.append(key, value, options);
    await this.driver.drainAsync();
  }

  /** Pipes records in order. */
  pipeKeyValueList(records: readonly KeyValue<K | null, V | null>[], options: PipeOptions = {}): void {
    for (const r of records) this.pipeInput(r.key, r.value, options);
  }

  private append(key: K | null, value: V | null, options: PipeOptions): void {
    const ctx = { topic: this.topic };
    this.driver.broker.produce({
      topic: this.topic,
      key: key === null ? null : this.keySerde.serialize(key, ctx),
      value: value === null ? null : this.valueSerde.serialize(value, ctx),
      timestamp: options.timestamp ?? this.driver.now(),
      headers: options.headers ?? {},
      ...(options.partition === undefined ? {} : { partition: options.partition }),
    });
  }
}

/**
 * Reads what the topology wrote to a topic, oldest first, across partitions in production order.
 *
 * @example
 * const lanes = driver.createOutputTopic('tm.lane.critical', Serdes.string(), riskSerde);
 * expect(lanes.readValue().header.eventType).toBe('RISK_LIMIT_BREACH');
 */
export class TestOutputTopic<K, V> {
  private readonly positions = new Map<number, number>();

  /** @internal use `driver.createOutputTopic` */
  constructor(
    readonly topic: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    private readonly broker: InProcessBroker,
  ) {}

  /** Number of records not read yet. */
  getQueueSize(): number {
    return this.pending().length;
  }

  isEmpty(): boolean {
    return this.getQueueSize() === 0;
  }

  /** The next record; throws if there is none. */
  readRecord(): TestRecord<K, V> {
    const [next] = this.pending();
    if (!next)
      throw new BusError('KAFKA_CONSUME', `output topic '${this.topic}' has no more records`, {
        context: { topic: this.topic },
      });
    this.positions.set(next.partition, next.offset + 1);
    return this.decode(next);
  }

  readValue(): V | null {
    return this.readRecord().value;
  }

  readKeyValue(): KeyValue<K | null, V | null> {
    const { key, value } = this.readRecord();
    return { key, value };
  }

  readRecordsToList(): TestRecord<K, V>[] {
    const out: TestRecord<K, V>[] = [];
    while (!this.isEmpty()) out.push(this.readRecord());
    return out;
  }

  readValuesToList(): (V | null)[] {
    return this.readRecordsToList().map((r) => r.value);
  }

  readKeyValuesToList(): KeyValue<K | null, V | null>[] {
    return this.readRecordsToList().map(({ key, value }) => ({ key, value }));
  }

  private pending(): BrokerRecord[] {
    if (!this.broker.hasTopic(this.topic)) return [];
    const all: BrokerRecord[] = [];
    for (let p = 0; p < this.broker.partitionCount(this.topic); p++) {
      all.push(...this.broker.fetch(this.topic, p, this.positions.get(p) ?? 0));
    }
    return all.sort((a, b) => a.sequence - b.sequence);
  }

  private decode(r: BrokerRecord): TestRecord<K, V> {
    const ctx = { topic: r.topic, partition: r.partition, offset: r.offset };
    return {
      key: r.key === null ? null : this.keySerde.deserialize(r.key, ctx),
      value: r.value === null ? null : this.valueSerde.deserialize(r.value, ctx),
      timestamp: r.timestamp,
      headers: r.headers,
      partition: r.partition,
      offset: r.offset,
    };
  }
}
