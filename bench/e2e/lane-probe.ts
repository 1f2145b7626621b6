// The lane probe of the end-to-end benchmark: a node-rdkafka consumer assigned to every partition
// of the run's lane topics from offset 0 (no group, no rebalance) that records, for each lane
// record, its position, its event id (`tm-event-id` header), the broker's append time (the run
// creates the lane topics with `message.timestamp.type=LogAppendTime`, so the record timestamp is
// when the record landed on the lane, not the propagated input time).
// Joined with the publisher's send times and the clients' receive times by bench/e2e/analysis.ts.

import Kafka from 'node-rdkafka';
import { HEADERS } from '../../core/headers.js';
import type { DemoTopics } from '../../examples/topics.js';
import { PRIORITIES } from '../../schemas/catalog.js';

export interface LaneRecord {
  readonly lane: number;
  readonly partition: number;
  readonly offset: number;
  readonly id: string | undefined;
  /** Broker append time, epoch ms. */
  readonly appended: number;
}

export const positionKey = (lane: number, partition: number, offset: number) =>
  `${lane}/${partition}/${offset}`;

export class LaneProbe {
  readonly byPosition = new Map<string, LaneRecord>();
  private readonly seenIds = new Set<string>();
  private readonly consumer: Kafka.KafkaConsumer;
  private running = true;
  private readonly laneOf: Map<string, number>;

  constructor(
    brokers: string,
    private readonly topics: DemoTopics,
    private readonly partitions: number,
  ) {
    this.laneOf = new Map(PRIORITIES.map((p, i) => [topics.lanes[p], i]));
    this.consumer = new Kafka.KafkaConsumer(
      {
        'metadata.broker.list': brokers,
        'group.id': `e2e-probe-${process.pid}-${Date.now().toString(36)}`,
        'client.id': 'e2e-lane-probe',
        'enable.auto.commit': false,
        // Only the broker's append time is measured, not when the probe reads: fetching in large,
        // lazy batches keeps the observer's CPU off the machine it observes.
        'fetch.wait.max.ms': 200,
        'fetch.min.bytes': 262_144,
      } as Kafka.ConsumerGlobalConfig,
      { 'auto.offset.reset': 'earliest' },
    );
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.consumer.connect({ timeout: 30_000 }, (err) => (err ? reject(err) : resolve())),
    );
    this.consumer.assign(
      PRIORITIES.flatMap((p) =>
        Array.from({ length: this.partitions }, (_, partition) => ({
          topic: this.topics.lanes[p],
          partition,
          offset: 0,
        })),
      ),
    );
    // Non-blocking batches: node-rdkafka charges a consume timeout per message.
    this.consumer.setDefaultConsumeTimeout(0);
    this.loop();
  }

  private loop(): void {
    if (!this.running) return;
    this.consumer.consume(5_000, (err, messages) => {
      if (!err) this.onBatch(messages);
      if (messages?.length) setImmediate(() => this.loop());
      else setTimeout(() => this.loop(), 50);
    });
  }

  private onBatch(messages: Kafka.Message[]): void {
    for (const m of messages) {
      const lane = this.laneOf.get(m.topic) ?? -1;
      let id: string | undefined;
      for (const h of m.headers ?? []) {
        const v = h[HEADERS.eventId];
        if (v !== undefined) id = v.toString();
      }
      if (id !== undefined) this.seenIds.add(id);
      this.byPosition.set(positionKey(lane, m.partition, m.offset), {
        lane,
        partition: m.partition,
        offset: m.offset,
        id,
        appended: m.timestamp ?? Number.NaN,
      });
    }
  }

  /** Event ids seen on the lanes so far. */
  ids(): ReadonlySet<string> {
    return this.seenIds;
  }

  get count(): number {
    return this.byPosition.size;
  }

  stop(): Promise<void> {
    this.running = false;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 5_000);
      this.consumer.disconnect(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
