// `TopologyTestDriver` (like Kafka Streams'): runs a built plan in-process and synchronously on an
// `InProcessBroker` — one task per (sub-topology, partition), the application's consumer group
// reading every source topic (repartition topics included), outputs appended back to the broker,
// store changes appended to their changelog topics, and wall-clock punctuation driven by a
// `ManualClock` through `advanceWallClockTime`.

import { ManualClock } from '../../core/clock.js';
import { BusError } from '../../core/errors.js';
import type { Serde } from '../../core/record.js';
import { InMemoryStoreProvider } from '../../processors/stores/storeProvider.js';
import type { KeyValueStore, SessionStore, WindowStore } from '../../processors/stores/types.js';
import type { RawOutgoingRecord, StageError, Task, TopologyPlan } from '../../topology/plan.js';
import { type BrokerRecord, InProcessBroker } from './broker.js';
import type { InProcessConsumer } from './consumerGroup.js';
import {
  keyValueView,
  type ReadOnlyKeyValueStore,
  type ReadOnlySessionStore,
  type ReadOnlyWindowStore,
  sessionView,
  windowView,
} from './storeViews.js';
import { TestInputTopic, TestOutputTopic } from './testTopics.js';

export interface TopologyTestDriverOptions {
  /**
   * Wall-clock time the driver starts at, epoch ms (also the default timestamp of piped records).
   * @default 1735689600000 (2025-01-01T00:00:00Z)
   */
  readonly startTime?: number;
  /** Partitions of external topics: one count for all, or per topic. @default 1 */
  readonly partitions?: number | Readonly<Record<string, number>>;
  /**
   * A failing record: `throw` its `StageError` from `pipeInput` (after committing past it), or
   * `continue` and collect it in `driver.errors`.
   * @default 'throw'
   */
  readonly onError?: 'throw' | 'continue';
  /** Run on this broker (e.g. the demo's). @default a new `InProcessBroker` */
  readonly broker?: InProcessBroker;
}

/**
 * Runs a topology without Kafka.
 *
 * @example
 * const driver = new TopologyTestDriver(builder.build({ applicationId: 'tm-test' }));
 * const input = driver.createInputTopic('tm.orders', Serdes.string(), orderSerde);
 * const output = driver.createOutputTopic('tm.lane.high', Serdes.string(), orderSerde);
 * input.pipeInput('AAPL', sampleEvent('ORDER_PLACED'));
 * expect(output.readValue()?.header.eventType).toBe('ORDER_PLACED');
 * driver.advanceWallClockTime(30_000); // fires correlation timeouts, closes windows
 */
export class TopologyTestDriver {
  readonly broker: InProcessBroker;
  readonly clock: ManualClock;
  private readonly tasks = new Map<string, Task>();
  private readonly providers = new Map<string, InMemoryStoreProvider>();
  private readonly subtopologyOf = new Map<string, number>();
  private readonly consumer: InProcessConsumer;
  private readonly failures: StageError[] = [];
  private readonly onError: 'throw' | 'continue';
  private draining = false;
  private pendingError: StageError | undefined;

  constructor(
    readonly plan: TopologyPlan,
    options: TopologyTestDriverOptions = {},
  ) {
    this.clock = new ManualClock(options.startTime ?? Date.UTC(2025, 0, 1));
    this.broker = options.broker ?? new InProcessBroker({ clock: this.clock });
    this.onError = options.onError ?? 'throw';
    const partitionsOf = (topic: string): number =>
      typeof options.partitions === 'number' ? options.partitions : (options.partitions?.[topic] ?? 1);
    for (const t of [...plan.sourceTopics, ...plan.sinkTopics])
      this.broker.createTopic(t, { partitions: partitionsOf(t) });
    for (const t of plan.internalTopics) {
      this.broker.createTopic(t.name, {
        partitions: t.partitionsFrom ? this.broker.partitionCount(t.partitionsFrom) : partitionsOf(t.name),
        config: t.config,
      });
    }
    for (const sub of plan.subtopologies) {
      for (const t of sub.sourceTopics) this.subtopologyOf.set(t, sub.id);
      const count = Math.max(1, ...sub.sourceTopics.map((t) => this.broker.partitionCount(t)));
      const specs = plan.stores.filter((s) => s.subtopology === sub.id);
      for (let partition = 0; partition < count; partition++) {
        const taskId = `${sub.id}_${partition}`;
        const stores = new InMemoryStoreProvider(specs);
        for (const spec of specs) {
          stores.getStore(spec.name).onChange((key, value) => {
            this.broker.produce({
              topic: spec.changelogTopic,
              key,
              value,
              partition,
              timestamp: this.clock.now(),
            });
          });
        }
        const task = sub.createTask({ taskId, partition, clock: this.clock, stores });
        task.onPunctuate((outputs, error) => this.punctuated(outputs, error));
        this.tasks.set(taskId, task);
        this.providers.set(taskId, stores);
      }
    }
    this.consumer = this.broker.consumer(plan.applicationId);
    this.consumer.subscribe([...this.subtopologyOf.keys()]);
  }

  /** Per-record failures collected with `onError: 'continue'`. */
  get errors(): readonly StageError[] {
    return this.failures;
  }

  createInputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>): TestInputTopic<K, V> {
    if (!this.subtopologyOf.has(topic)) {
      throw new BusError('BAD_REQUEST', `'${topic}' is not a source topic of ${this.plan.applicationId}`, {
        context: { topic },
      });
    }
    return new TestInputTopic(topic, keySerde, valueSerde, {
      broker: this.broker,
      now: () => this.clock.now(),
      drain: () => {
        this.drain();
        this.throwPending();
      },
      drainAsync: () => this.drainAsync(),
    });
  }

  createOutputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>): TestOutputTopic<K, V> {
    return new TestOutputTopic(topic, keySerde, valueSerde, this.broker);
  }

  /** Moves wall-clock time, firing punctuations (and processing what they cause) on the way. */
  advanceWallClockTime(ms: number): void {
    this.clock.advance(ms);
    this.drain();
    this.throwPending();
  }

  getKeyValueStore<K, V>(name: string): ReadOnlyKeyValueStore<K, V> {
    return keyValueView(
      this.storesNamed(name).map((p) => p.getKeyValueStore<K, V>(name) as KeyValueStore<K, V>),
    );
  }

  getWindowStore<K, V>(name: string): ReadOnlyWindowStore<K, V> {
    return windowView(this.storesNamed(name).map((p) => p.getWindowStore<K, V>(name) as WindowStore<K, V>));
  }

  getSessionStore<K, V>(name: string): ReadOnlySessionStore<K, V> {
    return sessionView(
      this.storesNamed(name).map((p) => p.getSessionStore<K, V>(name) as SessionStore<K, V>),
    );
  }

  /** Closes every task (cancelling their timers) and leaves the consumer group. */
  close(): void {
    for (const task of this.tasks.values()) task.close();
    this.consumer.close();
  }

  /**
   * Processes every pending record, including those the processing produces. Never throws a
   * record's failure (it may run inside a punctuation): entry points call `throwPending` after.
   */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let batch = this.consumer.poll(1); batch.length > 0; batch = this.consumer.poll(1)) {
        const [record] = batch as [BrokerRecord];
        const task = this.taskFor(record);
        if (task.prepare?.(record) !== undefined) {
          // Leave the record pending: pipeInputAsync() (drainAsync) picks it up after preparing.
          this.consumer.seek(record.topic, record.partition, record.offset);
          throw new BusError(
            'BAD_REQUEST',
            `a record on '${record.topic}' needs an async serde step (an unknown writer schema); use pipeInputAsync()`,
            { context: { topic: record.topic, partition: record.partition, offset: record.offset } },
          );
        }
        this.processOne(task, record);
      }
    } finally {
      this.draining = false;
    }
  }

  private async drainAsync(): Promise<void> {
    for (let batch = this.consumer.poll(1); batch.length > 0; batch = this.consumer.poll(1)) {
      const [record] = batch as [BrokerRecord];
      const task = this.taskFor(record);
      await task.prepare?.(record);
      this.draining = true;
      try {
        this.processOne(task, record);
      } finally {
        this.draining = false;
      }
    }
    this.throwPending();
  }

  private processOne(task: Task, record: BrokerRecord): void {
    const { outputs, error } = task.process(record);
    this.write(outputs);
    this.consumer.commit();
    if (error) this.failed(error);
  }

  private punctuated(outputs: RawOutgoingRecord[], error: StageError | undefined): void {
    this.write(outputs);
    if (error) this.failed(error);
    this.drain();
  }

  private write(outputs: readonly RawOutgoingRecord[]): void {
    for (const o of outputs) this.broker.produce(o);
  }

  private failed(error: StageError): void {
    this.failures.push(error);
    if (this.onError === 'throw') this.pendingError ??= error;
  }

  private throwPending(): void {
    const error = this.pendingError;
    this.pendingError = undefined;
    if (error) throw error;
  }

  private taskFor(record: BrokerRecord): Task {
    const task = this.tasks.get(`${this.subtopologyOf.get(record.topic)}_${record.partition}`);
    if (!task) throw new BusError('PROCESSING_FAILED', `no task for ${record.topic}[${record.partition}]`);
    return task;
  }

  private storesNamed(name: string): InMemoryStoreProvider[] {
    const spec = this.plan.stores.find((s) => s.name === name);
    if (!spec) {
      const known = this.plan.stores.map((s) => s.name).join(', ') || 'none';
      throw new BusError('STORE_FAILED', `unknown store '${name}' (known: ${known})`, {
        context: { store: name },
      });
    }
    return [...this.providers.entries()]
      .filter(([id]) => id.startsWith(`${spec.subtopology}_`))
      .map(([, p]) => p);
  }
}
