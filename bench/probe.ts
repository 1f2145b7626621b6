// The external latency probe: a node-rdkafka consumer on the output topics (its own group,
// read_committed, assigned from the beginning so no rebalance delays it) that records, per lane,
// receive time − send time in hdr histograms, and beside it the output's append time at the broker
// − send time: the pipeline's span without the probe's own read. The send time is the `bench-sent`
// header (else the record's timestamp); output topics are stamped with LogAppendTime. Both systems
// under test propagate the input record's headers to their outputs, so the same probe measures the
// Node runtime and the Kafka Streams peer the same way. The lane is the `tm-priority` header (else
// the family of the topic); the `bench-seq` header proves nothing was lost.
//
// usage: spawned by bench/run.ts with an IPC channel; argv[2] is a ProbeConfig JSON.

import Kafka from 'node-rdkafka';
import { HEADERS } from '../core/headers.js';
import { consumeBatch, consumeNow, watchConsumer } from '../runtime/kafka/native-batch.js';
import { PRIORITIES, type Priority, priorityOf } from '../schemas/catalog.js';
import { LaneLatency, SequenceTracker } from './lib/latency.js';
import { SENT_HEADER, SEQ_HEADER } from './lib/load-plan.js';
import type { ProbeCommand, ProbeConfig, ProbeMessage, ProbeSnapshot } from './lib/probe-protocol.js';
import { MIX } from './runtime/mix.js';

const config = JSON.parse(process.argv[2] ?? '') as ProbeConfig;
const send = (m: ProbeMessage) => process.send?.(m);

// Fallback lane when an output carries no priority header: the lane of the topic's family.
const topicLane = new Map<string, Priority>();
for (const { topic } of config.topics) {
  const entry = MIX.find((e) => topic.endsWith(`-${e.family}`));
  if (entry) topicLane.set(topic, priorityOf(entry.types[0]!));
}

const latency = new LaneLatency();
const appended = new LaneLatency();
const seqs = new SequenceTracker(config.seqCapacity);
let phase = freshCounters();

function freshCounters() {
  return {
    received: 0,
    distinctAtStart: 0,
    duplicatesAtStart: 0,
    unsequenced: 0,
    perTopic: {} as Record<string, number>,
    firstReceiveAt: 0,
    lastReceiveAt: 0,
  };
}

const consumer = new Kafka.KafkaConsumer(
  {
    'metadata.broker.list': config.brokers,
    'group.id': `bench-probe-${process.pid}-${Date.now().toString(36)}`,
    'client.id': 'bench-probe',
    'enable.auto.commit': false,
    'isolation.level': 'read_committed',
    'fetch.wait.max.ms': 5,
    'fetch.min.bytes': 1,
    'socket.nagle.disable': true,
    'queued.min.messages': 50_000,
  } as Kafka.ConsumerGlobalConfig,
  { 'auto.offset.reset': 'earliest' },
);

await new Promise<void>((resolve, reject) =>
  consumer.connect({ timeout: 30_000 }, (err) => (err ? reject(err) : resolve())),
);
consumer.assign(
  config.topics.flatMap(({ topic, partitions }) =>
    Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0 })),
  ),
);
let running = true;
let stopReading = () => {};
if (consumeBatch.available()) {
  // The bus's own reader: batches packed by the addon, read on this thread when librdkafka signals
  // an arrival. The probe shares the machine with the system under test, so it should cost little:
  // node-rdkafka's consume() in the threadpool, polled every millisecond, took ~30% of a core at
  // 10,000 events/s.
  const read = () => consumeNow(consumer, 10_000);
  let scheduled = false;
  const drain = (): void => {
    scheduled = false;
    if (!running) return;
    try {
      for (let messages = read(); messages.length > 0; messages = read()) onBatch(messages);
    } catch (err) {
      send({ type: 'error', message: String(err) });
    }
  };
  const soon = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(drain);
  };
  const unwatch = watchConsumer(consumer, soon);
  // The signal comes when the queue receives something after it was read empty; a slow timer
  // covers anything else (a rebalance of fetch state, an error event).
  const timer = setInterval(soon, 20);
  stopReading = () => {
    clearInterval(timer);
    unwatch();
  };
  soon();
} else {
  // Non-blocking batches: a consume timeout is charged per message by node-rdkafka, so a waiting
  // batch call would hold early records back while later ones trickle in.
  consumer.setDefaultConsumeTimeout(0);
  const loop = (): void => {
    if (!running) return;
    consumer.consume(10_000, (err, messages) => {
      if (err) send({ type: 'error', message: String(err) });
      else onBatch(messages);
      if (messages?.length) setImmediate(loop);
      else setTimeout(loop, 1);
    });
  };
  loop();
}

function onBatch(messages: Kafka.Message[]): void {
  const now = Date.now();
  if (messages.length === 0) return;
  if (phase.firstReceiveAt === 0) phase.firstReceiveAt = now;
  phase.lastReceiveAt = now;
  for (const m of messages) {
    phase.received++;
    phase.perTopic[m.topic] = (phase.perTopic[m.topic] ?? 0) + 1;
    let lane: Priority | undefined;
    let seq = -1;
    let sent = -1;
    if (m.headers) {
      for (const h of m.headers) {
        const p = h[HEADERS.priority];
        if (p !== undefined) {
          const s = p.toString();
          if ((PRIORITIES as readonly string[]).includes(s)) lane = s as Priority;
        }
        const q = h[SEQ_HEADER];
        if (q !== undefined) seq = Number(q.toString());
        const t = h[SENT_HEADER];
        if (t !== undefined) sent = Number(t.toString());
      }
    }
    lane ??= topicLane.get(m.topic) ?? 'STANDARD';
    const timestamp = m.timestamp ?? now;
    if (sent > 0) {
      latency.record(lane, now - sent);
      appended.record(lane, timestamp - sent);
    } else latency.record(lane, now - timestamp);
    if (seq >= 0) seqs.mark(seq);
    else phase.unsequenced++;
  }
}
send({ type: 'ready' });

const progress = setInterval(
  () => send({ type: 'progress', distinct: seqs.distinct - phase.distinctAtStart, received: phase.received }),
  200,
);

process.on('message', (raw: ProbeCommand) => {
  if (raw.cmd === 'snapshot') {
    const snapshot: ProbeSnapshot = {
      lanes: latency.summary(),
      appended: appended.summary(),
      received: phase.received,
      distinct: seqs.distinct - phase.distinctAtStart,
      duplicates: seqs.duplicates - phase.duplicatesAtStart,
      unsequenced: phase.unsequenced,
      perTopic: phase.perTopic,
      firstReceiveAt: phase.firstReceiveAt,
      lastReceiveAt: phase.lastReceiveAt,
    };
    if (raw.reset) {
      latency.reset();
      appended.reset();
      phase = freshCounters();
      phase.distinctAtStart = seqs.distinct;
      phase.duplicatesAtStart = seqs.duplicates;
    }
    send({ type: 'snapshot', snapshot });
  } else if (raw.cmd === 'stop') {
    running = false;
    clearInterval(progress);
    stopReading();
    consumer.disconnect(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  }
});
process.on('disconnect', () => process.exit(0));
