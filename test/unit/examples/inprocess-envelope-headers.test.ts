// StreamsRuntime on the in-process transport writes the same headers as on Kafka and in the test
// driver (one engine): the risk topology on the in-process broker, fed by `EventPublisher` over the
// same transport, labels every risk alert with its own envelope, not the fill's.
import { afterEach, describe, expect, it } from 'vitest';
import { riskTopology } from '../../../examples/topologies/index.js';
import { EventPublisher } from '../../../runtime/client/event-publisher.js';
import { StreamsRuntime } from '../../../runtime/engine/streams-runtime.js';
import { InProcessBroker } from '../../../runtime/testing/index.js';
import { InProcessTransport } from '../../../runtime/transport/inprocess/inprocess-transport.js';
import type { TradeMasterEvent } from '../../../schemas/index.js';
import { waitFor } from '../../support/kafka.js';
import { exampleFixture, fillOf, priceOf } from './support.js';

const running: StreamsRuntime[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

describe('envelope headers on the in-process transport', () => {
  it('every risk alert on the CRITICAL lane and the risk topic carries its own type, CRITICAL and its ids', async () => {
    const f = await exampleFixture();
    const broker = new InProcessBroker({ defaultPartitions: 2 });
    const plan = riskTopology(f.topics, f.serdes, f.directory).build({ applicationId: 'tm-risk-embedded' });
    const internal = new Set(plan.internalTopics.map((t) => t.name));
    for (const t of plan.sourceTopics) if (!internal.has(t)) broker.createTopic(t, { partitions: 2 });
    const transport = new InProcessTransport({ broker });
    const runtime = new StreamsRuntime({ transport, plan, defaultPartitions: 2 });
    running.push(runtime);
    await runtime.start();
    const publisher = new EventPublisher({
      transport,
      registry: f.serdes.registry,
      source: 'order-gateway',
      topics: { OrderEvent: f.topics.domain.OrderEvent },
    });
    await publisher.publish(priceOf('AAPL', 190), { topic: f.topics.prices });
    await runtime.idle();
    for (const [qty, id] of [
      [1000, 'e1'],
      [500, 'e2'],
      [1500, 'e3'],
    ] as const)
      await publisher.publish(fillOf('ACC-101442', 'AAPL', 'BUY', qty, 190, id));

    const read = (topic: string) =>
      Array.from({ length: broker.partitionCount(topic) }, (_, p) => broker.fetch(topic, p, 0)).flat();
    await waitFor(() => read(f.topics.domain.RiskEvent).length >= 2, 5_000, 'risk alerts');
    await runtime.idle();
    const lane = read(f.topics.lanes.CRITICAL);
    expect(lane).toHaveLength(read(f.topics.domain.RiskEvent).length);
    for (const r of [...lane, ...read(f.topics.domain.RiskEvent)]) {
      await f.serdes.events.prepare(r.value as Buffer);
      const e = f.serdes.events.deserialize(r.value as Buffer, r) as TradeMasterEvent;
      const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, v.toString()]));
      expect(headers).toMatchObject({
        'tm-event-type': e.header.eventType,
        'tm-priority': 'CRITICAL',
        'tm-event-id': e.header.eventId,
        'tm-correlation-id': e.header.correlationId,
      });
      expect(e.header.source).toBe('risk-engine'); // causation and source travel in the value only
      expect(headers['tm-source']).toBeUndefined();
    }
  });
});
