// StreamsRuntime on the in-process transport, in real time (the zero-setup demo's engine):
// wall-clock punctuation fires by itself, a second instance of an application takes over
// partitions with their state, failures go to the error handler, and outputs are visible to other
// applications as they are produced.
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS } from '../../../examples/accounts.js';
import { orderPlaced } from '../../../examples/services/order-events.js';
import { type OrderLifecycleChain, orderLifecycleTopology } from '../../../examples/topologies/index.js';
import { EventPublisher } from '../../../runtime/client/event-publisher.js';
import { Decision } from '../../../runtime/engine/error-handlers.js';
import { StreamsRuntime, type StreamsRuntimeOptions } from '../../../runtime/engine/streams-runtime.js';
import { InProcessBroker } from '../../../runtime/testing/index.js';
import { InProcessTransport } from '../../../runtime/transport/inprocess/inprocess-transport.js';
import { sampleEvent } from '../../../schemas/index.js';
import { Serdes, TopologyBuilder, type TopologyPlan } from '../../../topology/index.js';
import { waitFor } from '../../support/kafka.js';
import { exampleFixture } from './support.js';

const running: StreamsRuntime[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

function start(runtime: StreamsRuntime): StreamsRuntime {
  running.push(runtime);
  return runtime;
}

/** A runtime of `plan` on `broker`, its external sources created with `partitions`. */
function onBroker(
  broker: InProcessBroker,
  plan: TopologyPlan,
  options: Partial<StreamsRuntimeOptions> & { partitions?: number } = {},
): StreamsRuntime {
  const internal = new Set(plan.internalTopics.map((t) => t.name));
  for (const t of plan.sourceTopics)
    if (!internal.has(t) && !broker.hasTopic(t)) broker.createTopic(t, { partitions: options.partitions });
  return start(
    new StreamsRuntime({
      transport: new InProcessTransport({ broker }),
      plan,
      defaultPartitions: options.partitions ?? broker.partitionCount(plan.sourceTopics[0] as string),
      ...options,
    }),
  );
}

const chainsOn = (broker: InProcessBroker, topic: string): OrderLifecycleChain[] =>
  Array.from({ length: broker.partitionCount(topic) }, (_, p) => broker.fetch(topic, p, 0))
    .flat()
    .map((r) => JSON.parse(r.value?.toString() ?? 'null') as OrderLifecycleChain);

function countingPlan(applicationId: string) {
  const builder = new TopologyBuilder();
  builder
    .stream('words', { key: Serdes.string(), value: Serdes.string(), name: 'words' })
    .mapValues(
      (w) => {
        if (w === 'boom') throw new Error('bad word');
        return w;
      },
      { name: 'check' },
    )
    .groupByKey()
    .count({ name: 'counts', store: 'counts' })
    .toStream({ name: 'count-changes' })
    .to('word-counts', { name: 'counts-out', value: Serdes.json<number>() });
  return builder.build({ applicationId });
}

const latestCounts = (broker: InProcessBroker) => {
  const out: Record<string, number> = {};
  for (let p = 0; p < broker.partitionCount('word-counts'); p++)
    for (const r of broker.fetch('word-counts', p, 0))
      out[r.key?.toString() ?? ''] = JSON.parse(r.value?.toString() ?? '0');
  return out;
};

describe('StreamsRuntime on the in-process transport', () => {
  it('closes an order chain by wall-clock inactivity with no further record', async () => {
    const f = await exampleFixture();
    const broker = new InProcessBroker({ defaultPartitions: 2 });
    const plan = orderLifecycleTopology(f.topics, f.serdes, { inactivityTimeoutMs: 300 }).build({
      applicationId: 'tm-lifecycle-rt',
    });
    const runtime = onBroker(broker, plan, { partitions: 2 });
    await runtime.start();
    expect(runtime.taskIds.sort()).toEqual(['0_0', '0_1', '1_0', '1_1']);

    const publisher = new EventPublisher({
      transport: new InProcessTransport({ broker }),
      registry: f.serdes.registry,
      source: 'order-gateway',
    });
    const account = DEMO_ACCOUNTS[0] as (typeof DEMO_ACCOUNTS)[number];
    const order = {
      orderId: 'ORD-7',
      intent: {
        account,
        symbol: 'NVDA',
        side: 'BUY' as const,
        quantity: 10,
        orderType: 'MARKET' as const,
        limitPrice: null,
      },
      venue: 'XNAS',
      filled: 0,
      filledNotional: 0,
    };
    const placedAt = Date.now();
    const { event: placed } = await publisher.publish(orderPlaced(order, 'web-7', placedAt));
    await runtime.idle();
    expect(chainsOn(broker, f.topics.chains)).toEqual([]); // open, not yet timed out

    await waitFor(() => chainsOn(broker, f.topics.chains).length === 1, 5_000, 'the chain to time out');
    const [chain] = chainsOn(broker, f.topics.chains);
    expect(chain?.status).toBe('timedOut');
    expect(chain?.correlationId).toBe(placed.header.eventId);
    expect(chain?.closedAt).toBeGreaterThanOrEqual(placedAt + 300);
    expect(runtime.stats.punctuations).toBeGreaterThanOrEqual(1);
  });

  it('hands partitions and their restored state to the instance that stays', async () => {
    const broker = new InProcessBroker({ defaultPartitions: 4 });
    const plan = countingPlan('word-count');
    const a = onBroker(broker, plan);
    const b = onBroker(broker, plan);
    await a.start();
    await b.start();
    // The first instance gives its partitions up once it has committed them (asynchronously).
    await waitFor(() => a.taskIds.length === 2, 5_000, 'the rebalance');
    expect(a.taskIds.length).toBe(2);
    expect(b.taskIds.length).toBe(2);
    const words = ['ask', 'bid', 'fill', 'halt', 'ask', 'bid', 'fill', 'halt'];
    for (const w of words) broker.produce({ topic: 'words', key: Buffer.from(w), value: Buffer.from(w) });
    await waitFor(() => a.stats.processed + b.stats.processed === words.length, 5_000, 'first round');
    await Promise.all([a.idle(), b.idle()]);

    await b.stop();
    expect(a.taskIds.length).toBe(4);
    expect(a.restoredRecords).toBeGreaterThan(0);
    for (const w of ['ask', 'bid', 'fill', 'halt'])
      broker.produce({ topic: 'words', key: Buffer.from(w), value: Buffer.from(w) });
    await waitFor(() => latestCounts(broker).halt === 3, 5_000, 'counts to continue from the restored store');
    expect(latestCounts(broker)).toEqual({ ask: 3, bid: 3, fill: 3, halt: 3 });
  });

  it('hands a CRITICAL record’s outputs, and CRITICAL outputs, to the producer at once', async () => {
    const broker = new InProcessBroker();
    broker.createTopic('events');
    const expedited: string[][] = [];
    const produced: string[] = [];
    class Watching extends InProcessTransport {
      override producer(options: Parameters<InProcessTransport['producer']>[0]) {
        const inner = super.producer(options);
        const produce = inner.produce.bind(inner);
        inner.produce = (record, tag) => {
          produced.push(record.key?.toString() ?? '');
          produce(record, tag);
        };
        inner.expedite = () => expedited.push([...produced]);
        return inner;
      }
    }
    const builder = new TopologyBuilder();
    builder
      .stream('events', { key: Serdes.string(), value: Serdes.json<unknown>(), name: 'events' })
      .to('events-out', { name: 'out', value: Serdes.json<unknown>() });
    const runtime = start(
      new StreamsRuntime({
        transport: new Watching({ broker }),
        plan: builder.build({ applicationId: 'lanes' }),
        defaultPartitions: 1,
      }),
    );
    await runtime.start();
    const send = (key: string, value: unknown, priority: string) =>
      broker.produce({
        topic: 'events',
        key: Buffer.from(key),
        value: Buffer.from(JSON.stringify(value)),
        headers: { 'tm-priority': priority },
      });
    send('price', sampleEvent('PRICE_UPDATE'), 'HIGH');
    await waitFor(() => runtime.stats.processed === 1, 5_000, 'the HIGH record');
    send('note', { text: 'a CRITICAL record that is no catalog event' }, 'CRITICAL');
    await waitFor(() => runtime.stats.processed === 2, 5_000, 'the CRITICAL record');
    send('breach', sampleEvent('RISK_LIMIT_BREACH'), 'HIGH'); // its output travels as CRITICAL
    await waitFor(() => runtime.stats.processed === 3, 5_000, 'the derived CRITICAL output');
    expect(expedited).toEqual([
      ['price', 'note'],
      ['price', 'note', 'breach'],
    ]);
  });

  it('reports a failing record to the handler and keeps processing, or stops on fail', async () => {
    const broker = new InProcessBroker();
    const seen: string[] = [];
    const lenient = onBroker(broker, countingPlan('lenient'), {
      errorHandlers: {
        processing: (failure) => {
          seen.push(String(failure.stage));
          return Decision.CONTINUE;
        },
      },
    });
    await lenient.start();
    for (const w of ['ok', 'boom', 'ok'])
      broker.produce({ topic: 'words', key: Buffer.from('k'), value: Buffer.from(w) });
    await waitFor(() => lenient.stats.processed === 3, 5_000, 'three records');
    expect(seen).toEqual(['check']);
    expect(latestCounts(broker).k).toBe(2);

    const strict = onBroker(broker, countingPlan('strict'), {
      errorHandlers: { processing: () => Decision.FAIL },
    });
    const failed = new Promise((resolve) => strict.onFailed(resolve));
    await strict.start();
    await failed;
    expect(strict.running).toBe(false);
  });
});
