// One engine, three ways to run it: the same topologies — stateless routing, a windowed aggregate,
// a stream–table join, stream–stream left and outer joins (matched, unmatched on either side, late)
// and a wall-clock correlation timeout — over the same input on the test driver
// (synchronous, manual clock), on StreamsRuntime over the in-process transport (real time) and on
// StreamsRuntime over real Kafka. Every output topic must hold the same records: keys, values,
// timestamps and headers. The real-time runs take a ManualClock too, advanced by the test exactly as
// the driver's, so wall-clock punctuation (the correlation timeout) fires at the same instant.
import Kafka from 'node-rdkafka';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import type { ConnectionConfig } from '../../../core/config.js';
import type { RecordHeaders } from '../../../core/record.js';
import { StreamsRuntime } from '../../../runtime/engine/streams-runtime.js';
import { toRawRecord } from '../../../runtime/kafka/consumer.js';
import { BusProducer } from '../../../runtime/kafka/producer.js';
import { TopicManager } from '../../../runtime/kafka/topics.js';
import { TopologyTestDriver } from '../../../runtime/testing/index.js';
import { InProcessBroker } from '../../../runtime/transport/inprocess/broker.js';
import { InProcessTransport } from '../../../runtime/transport/inprocess/inprocess-transport.js';
import {
  JoinWindows,
  Serdes,
  TimeWindows,
  TopologyBuilder,
  type TopologyPlan,
} from '../../../topology/index.js';
import { waitFor } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const START = Date.UTC(2025, 0, 1);
const TIMEOUT_MS = 5_000;

interface Names {
  orders: string;
  big: string;
  trades: string;
  counts: string;
  limits: string;
  checksIn: string;
  checks: string;
  events: string;
  chains: string;
  quotes: string;
  fills: string;
  leftJoined: string;
  outerJoined: string;
}

const namesFor = (prefix: string): Names => ({
  orders: `${prefix}orders`,
  big: `${prefix}big-orders`,
  trades: `${prefix}trades`,
  counts: `${prefix}trade-counts`,
  limits: `${prefix}limits`,
  checksIn: `${prefix}checks-in`,
  checks: `${prefix}checks`,
  events: `${prefix}events`,
  chains: `${prefix}chains`,
  quotes: `${prefix}quotes`,
  fills: `${prefix}fills`,
  leftJoined: `${prefix}left-joined`,
  outerJoined: `${prefix}outer-joined`,
});
const inputsOf = (n: Names) => [n.orders, n.trades, n.limits, n.checksIn, n.events, n.quotes, n.fills];
const outputsOf = (n: Names) => [n.big, n.counts, n.checks, n.chains, n.leftJoined, n.outerJoined];
const ROLES = ['big', 'counts', 'checks', 'chains', 'leftJoined', 'outerJoined'] as const;

interface Evt {
  cid: string;
  step: number;
  done?: boolean;
}

function parityPlan(n: Names, applicationId: string): TopologyPlan {
  const key = Serdes.string();
  const b = new TopologyBuilder();
  b.stream(n.orders, { key, value: Serdes.json<{ qty: number }>(), name: 'orders' })
    .filter((o) => o.qty >= 100, { name: 'big' })
    .mapValues((o) => ({ ...o, big: true }), { name: 'mark' })
    .to(n.big, { name: 'big-out', value: Serdes.json<{ qty: number; big: boolean }>() });
  b.stream(n.trades, { key, value: Serdes.json<{ px: number }>(), name: 'trades' })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(10_000, 1_000))
    .count({ name: 'trades-per-window' })
    .toStream({ name: 'count-changes' })
    .to(n.counts, { name: 'counts-out', key: Serdes.windowed(key), value: Serdes.json<number>() });
  const limits = b.table(n.limits, { key, value: Serdes.json<number>(), name: 'limits' });
  b.stream(n.checksIn, { key, value: Serdes.json<{ qty: number }>(), name: 'checks-in' })
    .join(limits, (o, limit) => o.qty <= limit, { name: 'check', valueSerde: Serdes.json<boolean>() })
    .to(n.checks, { name: 'checks-out' });
  b.stream(n.events, { key, value: Serdes.json<Evt>(), name: 'events' })
    .correlate({
      name: 'chains',
      inactivityTimeoutMs: TIMEOUT_MS,
      complete: (events) => events.some((e) => e.done === true),
      correlationId: (e) => e.cid,
    })
    .to(n.chains, { name: 'chains-out' });
  const quotes = b.stream(n.quotes, { key, value: Serdes.json<{ id: string }>(), name: 'quotes' });
  const fills = b.stream(n.fills, { key, value: Serdes.json<{ px: number }>(), name: 'fills' });
  const windows = JoinWindows.ofTimeDifferenceAndGrace(5_000, 1_000);
  const pair = Serdes.json<{ quote: string | null; px: number | null }>();
  quotes
    .leftJoin(fills, (q, f) => ({ quote: q.id, px: f?.px ?? null }), windows, {
      name: 'quote-fill',
      valueSerde: pair,
    })
    .to(n.leftJoined, { name: 'left-out' });
  quotes
    .outerJoin(fills, (q, f) => ({ quote: q?.id ?? null, px: f?.px ?? null }), windows, {
      name: 'quote-fill-outer',
      valueSerde: pair,
    })
    .to(n.outerJoined, { name: 'outer-out' });
  return b.build({ applicationId });
}

interface Input {
  topic: keyof Names;
  key: string;
  value: unknown;
  at: number;
}

const HEADERS: RecordHeaders = { 'x-origin': Buffer.from('parity'), 'x-bytes': Buffer.from([0, 255, 7]) };

/** Phase 1 fills the table; phase 2 is everything else (a join must see its table first). */
const PHASES: Input[][] = [
  [
    { topic: 'limits', key: 'ACC-1', value: 100, at: 0 },
    { topic: 'limits', key: 'ACC-2', value: 50, at: 10 },
  ],
  [
    ...[50, 150, 99, 100, 500].map((qty, i) => ({
      topic: 'orders' as const,
      key: `o${i}`,
      value: { qty },
      at: 100 * i,
    })),
    ...[1_000, 4_000, 9_999, 12_000, 13_000].map((at, i) => ({
      topic: 'trades' as const,
      key: i % 2 ? 'MSFT' : 'AAPL',
      value: { px: 100 + i },
      at,
    })),
    { topic: 'checksIn', key: 'ACC-1', value: { qty: 80 }, at: 500 },
    { topic: 'checksIn', key: 'ACC-1', value: { qty: 120 }, at: 600 },
    { topic: 'checksIn', key: 'ACC-2', value: { qty: 10 }, at: 700 },
    { topic: 'checksIn', key: 'ACC-3', value: { qty: 1 }, at: 800 },
    { topic: 'events', key: 'e1', value: { cid: 'c1', step: 1 }, at: 1_000 },
    { topic: 'events', key: 'e2', value: { cid: 'c2', step: 1 }, at: 1_100 },
    { topic: 'events', key: 'e3', value: { cid: 'c1', step: 2, done: true }, at: 1_200 },
    { topic: 'events', key: 'e4', value: { cid: 'c3', step: 1 }, at: 1_300 },
    { topic: 'events', key: 'e5', value: { cid: 'c3', step: 2 }, at: 1_400 },
    // Stream–stream joins (window ±5 s, grace 1 s). A join task reads two topics, whose records
    // interleave in fetch order, so each phase below touches one side only.
    { topic: 'quotes', key: 'q1', value: { id: 'q1' }, at: 1_000 },
    { topic: 'quotes', key: 'q2', value: { id: 'q2' }, at: 4_000 }, // never filled
  ],
  [
    { topic: 'fills', key: 'q1', value: { px: 2 }, at: 3_000 }, // matches q1
    { topic: 'fills', key: 'q3', value: { px: 9 }, at: 4_500 }, // a fill without a quote
  ],
  // Stream time 10 001 closes q2's window (4 000 + 5 000 + grace 1 000), not yet q3's fill (10 500).
  [{ topic: 'fills', key: 'q9', value: { px: 1 }, at: 10_001 }],
  [
    { topic: 'quotes', key: 'q4', value: { id: 'q4' }, at: 3_000 }, // late: its window has closed
    { topic: 'quotes', key: 'q5', value: { id: 'q5' }, at: 30_000 }, // closes every open window
  ],
];

interface Out {
  key: string | null;
  value: string | null;
  timestamp: number;
  headers: Record<string, string>;
}

type Outputs = Record<string, Out[]>;

const asOut = (r: {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: RecordHeaders;
}): Out => ({
  key: r.key?.toString('hex') ?? null,
  value: r.value?.toString('utf8') ?? null,
  timestamp: r.timestamp,
  headers: Object.fromEntries(
    Object.entries(r.headers)
      .map(([k, v]) => [k, v.toString('base64')] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  ),
});

/** Output topics by their role (not their prefixed name), so runs compare. */
const byRole = (n: Names, read: (topic: string) => Out[]): Outputs =>
  Object.fromEntries(ROLES.map((role) => [role, read(n[role])]));

interface DriverRun {
  outputs: Outputs;
  /** Records processed after each phase (repartition records included): the others wait for these. */
  processedAfter: number[];
}

function runOnDriver(): DriverRun {
  const n = namesFor('');
  const driver = new TopologyTestDriver(parityPlan(n, 'parity-driver'), { startTime: START });
  const processedAfter: number[] = [];
  for (const phase of PHASES) {
    for (const input of phase)
      driver
        .createInputTopic(n[input.topic], Serdes.string(), Serdes.string())
        .pipeInput(input.key, JSON.stringify(input.value), { timestamp: START + input.at, headers: HEADERS });
    processedAfter.push(driver.runtime.stats.processed);
  }
  driver.advanceWallClockTime(TIMEOUT_MS + 1_000);
  const outputs = byRole(n, (topic) => driver.broker.fetch(topic, 0, 0).map(asOut));
  driver.close();
  return { outputs, processedAfter };
}

const encode = (i: Input) => ({
  key: Buffer.from(i.key),
  value: Buffer.from(JSON.stringify(i.value)),
  timestamp: START + i.at,
  headers: HEADERS,
});

async function runInProcess(expected: DriverRun): Promise<Outputs> {
  const n = namesFor('');
  const clock = new ManualClock(START);
  const broker = new InProcessBroker({ clock });
  for (const t of [...inputsOf(n), ...outputsOf(n)]) broker.createTopic(t, { partitions: 1 });
  const runtime = new StreamsRuntime({
    transport: new InProcessTransport({ broker }),
    plan: parityPlan(n, 'parity-inprocess'),
    clock,
    defaultPartitions: 1,
  });
  await runtime.start();
  try {
    for (const [i, phase] of PHASES.entries()) {
      for (const input of phase) broker.produce({ topic: n[input.topic], ...encode(input) });
      const target = expected.processedAfter[i] as number;
      await waitFor(() => runtime.stats.processed >= target, 10_000, `in-process phase ${i + 1}`);
      await runtime.idle();
    }
    clock.advance(TIMEOUT_MS + 1_000);
    await runtime.idle();
    return byRole(n, (topic) => broker.fetch(topic, 0, 0).map(asOut));
  } finally {
    await runtime.stop();
  }
}

async function readKafka(connection: ConnectionConfig, topic: string, count: number): Promise<Out[]> {
  const consumer = new Kafka.KafkaConsumer(
    {
      'metadata.broker.list': connection.kafka.brokers,
      'group.id': uniqueName('parity-reader'),
      'enable.auto.commit': false,
      'isolation.level': 'read_committed',
    } as Kafka.ConsumerGlobalConfig,
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (e) => (e ? reject(e) : resolve())));
  consumer.setDefaultConsumeTimeout(50);
  consumer.subscribe([topic]);
  const out: Out[] = [];
  const deadline = Date.now() + 30_000;
  try {
    // Read past the expected count for a moment: an extra record would be a difference too.
    let settleUntil = 0;
    while (Date.now() < deadline && (out.length < count || Date.now() < settleUntil)) {
      const batch = await new Promise<Kafka.Message[]>((resolve, reject) =>
        consumer.consume(500, (e, m) => (e ? reject(e) : resolve(m))),
      );
      for (const m of batch) out.push(asOut(toRawRecord(m)));
      if (out.length >= count && settleUntil === 0) settleUntil = Date.now() + 500;
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return out;
}

const created: string[] = [];
const connection = servicesConfig();
afterAll(async () => {
  if (created.length > 0) await new TopicManager(connection).delete(created).catch(() => undefined);
});

async function runOnKafka(expected: DriverRun): Promise<Outputs> {
  const n = namesFor(`${uniqueName('parity')}.`);
  const applicationId = uniqueName('parity-app');
  const plan = parityPlan(n, applicationId);
  created.push(
    ...inputsOf(n),
    ...outputsOf(n),
    ...plan.internalTopics.map((t) => t.name),
    `${applicationId}-dlq`,
  );
  const clock = new ManualClock(START);
  const runtime = new StreamsRuntime({
    connection,
    plan,
    clock,
    defaultPartitions: 1,
    topics: [...inputsOf(n), ...outputsOf(n)].map((name) => ({ name, partitions: 1 })),
  });
  await runtime.start();
  const producer = new BusProducer({ connection });
  await producer.connect();
  try {
    await waitFor(() => runtime.ready, 30_000, 'the Kafka runtime to be ready');
    for (const [i, phase] of PHASES.entries()) {
      for (const input of phase) await producer.send({ topic: n[input.topic], ...encode(input) });
      const target = expected.processedAfter[i] as number;
      await waitFor(() => runtime.stats.processed >= target, 30_000, `Kafka phase ${i + 1}`);
    }
    clock.advance(TIMEOUT_MS + 1_000);
    const outputs: Outputs = {};
    for (const role of ROLES)
      outputs[role] = await readKafka(connection, n[role], expected.outputs[role]?.length ?? 0);
    return outputs;
  } finally {
    await producer.disconnect();
    await runtime.stop();
  }
}

describe('parity: driver, in-process transport and Kafka run the same engine', () => {
  const driver = runOnDriver();

  it('the driver run exercises every topology', () => {
    const values = (role: string) => (driver.outputs[role] ?? []).map((o) => JSON.parse(o.value ?? 'null'));
    expect(values('big').map((v) => v.qty)).toEqual([150, 100, 500]);
    expect(values('counts')).toEqual([1, 1, 2, 1, 1]);
    expect(values('checks')).toEqual([true, false, true]);
    const chains = values('chains') as { correlationId: string; status: string; closedAt: number }[];
    expect(chains.map((c) => `${c.correlationId}:${c.status}`).sort()).toEqual([
      'c1:completed',
      'c2:timedOut',
      'c3:timedOut',
    ]);
    // The timeout fired on the manual clock: closed at the first instant past the inactivity bound.
    for (const c of chains.filter((c) => c.status === 'timedOut'))
      expect(c.closedAt).toBe(START + TIMEOUT_MS);
    // Left: q1 paired; q2 alone once its window closed; the late q4 dropped; q5 still open.
    expect(values('leftJoined')).toEqual([
      { quote: 'q1', px: 2 },
      { quote: 'q2', px: null },
    ]);
    // Outer: the same, plus the fills without a quote (q3, q9) once q5's stream time closes them.
    expect(values('outerJoined')).toEqual([
      { quote: 'q1', px: 2 },
      { quote: 'q2', px: null },
      { quote: null, px: 9 },
      { quote: null, px: 1 },
    ]);
    expect(driver.outputs.big?.[0]?.headers).toEqual({
      'x-bytes': Buffer.from([0, 255, 7]).toString('base64'),
      'x-origin': Buffer.from('parity').toString('base64'),
    });
  });

  it('StreamsRuntime on the in-process transport gives the same outputs', async () => {
    expect(await runInProcess(driver)).toEqual(driver.outputs);
  });

  it('StreamsRuntime on Kafka gives the same outputs', async () => {
    expect(await runOnKafka(driver)).toEqual(driver.outputs);
  }, 120_000);
});
