// One trace across the bus on the real broker: the publisher's PRODUCER span, the runtime's
// CONSUMER span for the record, a span per topology stage, and the `traceparent` of the output
// record all carry the same trace id (in-memory span exporter).
import { afterAll, describe, expect, it } from 'vitest';
import { HEADERS } from '../../../core/headers.js';
import { EventPublisher } from '../../../runtime/client/event-publisher.js';
import { StreamsRuntime } from '../../../runtime/engine/streams-runtime.js';
import { domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import { familySerde, HttpSchemaRegistry, isEvent, sampleEvent } from '../../../schemas/index.js';
import { Serdes, TopologyBuilder } from '../../../topology/index.js';
import { readTopic } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';
import { installInMemoryTracing } from '../../support/tracing.js';

const connection = servicesConfig();
const topicManager = new TopicManager(connection);
const cleanup: string[] = [];
const tracing = installInMemoryTracing();
afterAll(async () => {
  await tracing.uninstall();
  await topicManager.delete(cleanup);
});

describe('distributed tracing', () => {
  it('links the producer span, the processing span, every stage span and the output record', async () => {
    const app = uniqueName('traced');
    const orders = uniqueName('orders');
    const fills = uniqueName('fills');
    cleanup.push(orders, fills, `${app}-dlq`);
    await topicManager.ensure([domainTopic(orders, 1), domainTopic(fills, 1)]);
    const registry = new HttpSchemaRegistry({ url: connection.registry.url });
    const inSerde = await familySerde(registry, 'OrderEvent', { topic: orders });
    const outSerde = await familySerde(registry, 'OrderEvent', { topic: fills });
    const b = new TopologyBuilder();
    b.stream(orders, { key: Serdes.string(), value: inSerde, name: 'orders' })
      .filter((e) => isEvent(e, 'ORDER_FILLED'), { name: 'only-fills' })
      .mapValues((e) => ({ ...e, header: { ...e.header, source: 'fill-router' } }), { name: 'stamp' })
      .to(fills, { name: 'fills-out', value: outSerde });
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
      const fill = sampleEvent('ORDER_FILLED');
      await publisher.publish(fill);
      const [out] = await readTopic(connection, fills, 1);
      const traceparent = out?.headers[HEADERS.traceparent];
      expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const traceId = traceparent!.split('-')[1];

      const spans = tracing.exporter.getFinishedSpans();
      const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
      const names = inTrace.map((s) => s.name);
      expect(names).toContain(`send ${orders}`);
      expect(names).toContain(`process ${orders}`);
      for (const stage of ['only-fills', 'stamp', 'fills-out']) expect(names).toContain(stage);
      const process = inTrace.find((s) => s.name === `process ${orders}`)!;
      expect(process.attributes['messaging.system']).toBe('kafka');
      expect(process.attributes['messaging.destination.name']).toBe(orders);
      expect(process.attributes['messaging.consumer.group.name']).toBe(app);
      const send = inTrace.find((s) => s.name === `send ${orders}`)!;
      expect(send.attributes['tm.event_type']).toBe('ORDER_FILLED');
      // The output carries the processing span as its parent, so the next hop (the gateway) continues it.
      expect(traceparent!.split('-')[2]).toBe(process.spanContext().spanId);
    } finally {
      await runtime.stop();
      await publisher.close();
    }
  });
});
