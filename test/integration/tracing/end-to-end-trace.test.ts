// One trace id from the service that publishes to the browser that receives: the publisher's span,
// the runtime's processing span and every stage span, and the gateway's emit span share it, and the
// client sees it on the delivery (real Kafka, registry and Redis; in-memory span exporter).
import { afterAll, describe, expect, it } from 'vitest';
import type { Delivery } from '../../../gateway/client/index.js';
import { EventPublisher } from '../../../runtime/client/event-publisher.js';
import { StreamsRuntime } from '../../../runtime/engine/streams-runtime.js';
import { domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import {
  createEventSerde,
  familySerde,
  HttpSchemaRegistry,
  isEvent,
  sampleEvent,
} from '../../../schemas/index.js';
import { Serdes, TopologyBuilder } from '../../../topology/index.js';
import { servicesConfig, uniqueName } from '../../support/services.js';
import { installInMemoryTracing } from '../../support/tracing.js';
import { createFixture, eventually, type Fixture, token } from '../gateway/support/harness.js';

const connection = servicesConfig();
const topicManager = new TopicManager(connection);
const tracing = installInMemoryTracing();
const cleanup: string[] = [];
let fx: Fixture | undefined;
afterAll(async () => {
  await fx?.cleanup();
  await topicManager.delete(cleanup);
  await tracing.uninstall();
});

describe('end-to-end trace', () => {
  it('links publish → topology stages → gateway emit, and the client sees the trace id', async () => {
    fx = await createFixture('trace', 1);
    const app = uniqueName('traced-fills');
    const orders = uniqueName('orders');
    cleanup.push(orders, `${app}-dlq`);
    await topicManager.ensure([domainTopic(orders, 1)]);
    const registry = new HttpSchemaRegistry({ url: connection.registry.url });
    const b = new TopologyBuilder();
    b.stream(orders, {
      key: Serdes.string(),
      value: await familySerde(registry, 'OrderEvent', { topic: orders }),
      name: 'orders',
    })
      .filter((e) => isEvent(e, 'ORDER_FILLED'), { name: 'fills-only' })
      .to(fx.lanes.HIGH, {
        name: 'to-high-lane',
        value: await createEventSerde(registry, { topic: fx.lanes.HIGH }),
      });
    const runtime = new StreamsRuntime({
      connection,
      plan: b.build({ applicationId: app }),
      tracer: tracing.tracer,
      commitIntervalMs: 50,
    });
    const publisher = new EventPublisher({
      connection,
      registry,
      source: 'trading',
      topics: { OrderEvent: orders },
      tracer: tracing.tracer,
    });
    try {
      await runtime.start();
      const { url } = await fx.startGateway();
      const client = fx.client(url, { token: await token('trader-1', ['trader'], { account: 'ACC-TRACE' }) });
      await client.connect();
      const ack = await client.subscribe('orders:ACC-TRACE');
      expect(ack.ok).toBe(true);
      const received: Delivery[] = [];
      client.onDelivery((d) => received.push(d));

      await publisher.publish(sampleEvent('ORDER_FILLED', { payload: { accountId: 'ACC-TRACE' } }));
      await eventually(() => received.length > 0, 60_000, 'the delivery');
      const traceId = received[0]!.traceId;
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);

      const names = tracing.exporter
        .getFinishedSpans()
        .filter((s) => s.spanContext().traceId === traceId)
        .map((s) => s.name);
      expect(names).toEqual(
        expect.arrayContaining([
          `send ${orders}`,
          `process ${orders}`,
          'fills-only',
          'to-high-lane',
          'emit orders:ACC-TRACE',
        ]),
      );
    } finally {
      await publisher.close();
      await runtime.stop();
    }
  });
});
