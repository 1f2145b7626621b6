// `TopologyTestDriver` (like Kafka Streams'): the real engine — `StreamsRuntime`, its task manager,
// record processor and output writer — on the in-process transport, driven synchronously on a
// `ManualClock`: `pipeInput` appends a record and processes it, and everything it causes
// (repartition topics included), before returning; `advanceWallClockTime` fires punctuations and
// processes what they emit. One task per (sub-topology, partition); store changes are appended to
// their changelog topics as on Kafka.

import { ManualClock } from '../../core/clock.js';
import { BusError } from '../../core/errors.js';
import type { Serde } from '../../core/record.js';
import { InMemoryStoreProvider } from '../../processors/stores/storeProvider.js';
import type { KeyValueStore, SessionStore, WindowStore } from '../../processors/stores/types.js';
import type { StageError, TopologyPlan } from '../../topology/plan.js';
import { Decision, type ErrorHandler } from '../engine/error-handlers.js';
import { StreamsRuntime } from '../engine/streams-runtime.js';
import { InProcessBroker } from '../transport/inprocess/broker.js';
import { InProcessTransport } from '../transport/inprocess/inprocess-transport.js';
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
   * A failing record: `throw` its `StageError` from `pipeInput` (after processing past it), or
   * `continue` and collect it in `driver.errors`. Either is the engine's `Decision.CONTINUE`, with
   * the failure collected.
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
  /** The engine under test. */
  readonly runtime: StreamsRuntime;
  private readonly providers = new Map<string, InMemoryStoreProvider>();
  private readonly sources: ReadonlySet<string>;
  private readonly failures: StageError[] = [];
  private readonly onError: 'throw' | 'continue';
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
      if (!this.broker.hasTopic(t)) this.broker.createTopic(t, { partitions: partitionsOf(t) });
    for (const t of plan.internalTopics) {
      if (this.broker.hasTopic(t.name)) continue;
      this.broker.createTopic(t.name, {
        partitions: t.partitionsFrom ? this.broker.partitionCount(t.partitionsFrom) : partitionsOf(t.name),
        config: t.config,
      });
    }
    this.sources = new Set(plan.subtopologies.flatMap((s) => s.sourceTopics));
    const collect: ErrorHandler = (failure) => {
      this.failed(failure.error as StageError);
      return Decision.CONTINUE;
    };
    this.runtime = new StreamsRuntime({
      transport: new InProcessTransport({ broker: this.broker, manual: true }),
      plan,
      clock: this.clock,
      instanceId: 'driver',
      errorHandlers: { deserialization: collect, processing: collect },
      onPunctuationError: (e) => this.failed(e as StageError),
      storeProvider: (definitions, taskId) => {
        const stores = new InMemoryStoreProvider(definitions);
        this.providers.set(taskId, stores);
        return stores;
      },
    });
    this.runtime.startSync();
  }

  /** Per-record failures collected with `onError: 'continue'`. */
  get errors(): readonly StageError[] {
    return this.failures;
  }

  createInputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>): TestInputTopic<K, V> {
    if (!this.sources.has(topic)) {
      throw new BusError('BAD_REQUEST', `'${topic}' is not a source topic of ${this.plan.applicationId}`, {
        context: { topic },
      });
    }
    return new TestInputTopic(topic, keySerde, valueSerde, {
      broker: this.broker,
      now: () => this.clock.now(),
      drain: () => {
        if (!this.runtime.drainSync()) {
          throw new BusError(
            'BAD_REQUEST',
            `a record on '${topic}' needs an async serde step (an unknown writer schema); use pipeInputAsync()`,
            { context: { topic } },
          );
        }
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
    this.runtime.drainSync();
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
    this.runtime.closeSync();
  }

  private async drainAsync(): Promise<void> {
    while (!this.runtime.drainSync()) await this.runtime.held;
    this.throwPending();
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
