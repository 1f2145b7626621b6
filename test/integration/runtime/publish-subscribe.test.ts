// The service-facing client on the real broker and registry: typed publish with catalog keys,
// priority and correlation rules; subscribe by type, family, priority and content predicate.
import { afterAll, describe, expect, it } from 'vitest';
import { HEADERS } from '../../../core/headers.js';
import { EventPublisher } from '../../../runtime/client/event-publisher.js';
import { type Subscription, subscribe } from '../../../runtime/client/event-subscriber.js';
import { domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import { HttpSchemaRegistry, sampleEvent } from '../../../schemas/index.js';
import { readTopic, waitFor } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const connection = servicesConfig();
const registry = new HttpSchemaRegistry({ url: connection.registry.url });
const topicManager = new TopicManager(connection);
const orders = uniqueName('orders');
const risk = uniqueName('risk');
const closers: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const close of closers) await close();
  await topicManager.delete([orders, risk]);
});

describe('EventPublisher and subscribe', () => {
  it('publishes keyed, framed events with catalog priority and correlation carried from the cause', async () => {
    await topicManager.ensure([domainTopic(orders, 3), domainTopic(risk, 3)]);
    const publisher = new EventPublisher({
      connection,
      registry,
      source: 'trading-service',
      topics: { OrderEvent: orders, RiskEvent: risk },
    });
    closers.push(() => publisher.close());
    const placed = sampleEvent('ORDER_PLACED');
    // A wrong priority from the caller is replaced by the catalog's.
    const filled = sampleEvent('ORDER_FILLED', {
      header: { symbol: placed.header.symbol, priority: 'BACKGROUND' },
    });
    await publisher.publish(placed);
    const report = await publisher.publish(filled, { causedBy: placed });
    expect(report.topic).toBe(orders);

    const records = await readTopic(connection, orders, 2);
    expect(records.map((r) => r.key)).toEqual([placed.header.symbol, placed.header.symbol]);
    const fill = records.find((r) => r.headers[HEADERS.eventType] === 'ORDER_FILLED')!;
    expect(fill.headers[HEADERS.priority]).toBe('HIGH');
    expect(fill.headers[HEADERS.correlationId]).toBe(placed.header.correlationId);
    expect(fill.headers[HEADERS.eventId]).toBe(filled.header.eventId);
    expect(fill.headers[HEADERS.causationId]).toBeUndefined(); // in the value only
    expect(fill.value[0]).toBe(0); // Confluent magic byte
  });

  it('delivers only the subscribed types, families, priorities and matching content', async () => {
    const publisher = new EventPublisher({
      connection,
      registry,
      source: 'risk-service',
      topics: { OrderEvent: orders, RiskEvent: risk },
    });
    closers.push(() => publisher.close());
    const got: string[] = [];
    const subscription: Subscription = await subscribe(
      { connection, registry, groupId: uniqueName('g-sub'), topics: { OrderEvent: orders, RiskEvent: risk } },
      {
        priorities: ['CRITICAL'],
        where: (e) => (e.header as { accountId?: string }).accountId !== 'ACC-IGNORED',
      },
      (event) => {
        got.push(`${event.header.eventType}:${(event.header as { accountId?: string }).accountId ?? ''}`);
      },
    );
    closers.push(() => subscription.close());
    await publisher.publish(sampleEvent('ORDER_PLACED')); // HIGH: not admitted
    await publisher.publish(sampleEvent('MARGIN_CALL', { header: { accountId: 'ACC-IGNORED' } })); // predicate says no
    await publisher.publish(sampleEvent('RISK_LIMIT_BREACH', { header: { accountId: 'ACC-1' } }));
    await publisher.publish(sampleEvent('ORDER_REJECTED_CRITICAL')); // CRITICAL order event
    await waitFor(() => got.length >= 2, 60_000, 'critical events');
    await new Promise((r) => setTimeout(r, 500));
    expect(got.sort()).toEqual(['ORDER_REJECTED_CRITICAL:', 'RISK_LIMIT_BREACH:ACC-1']);
  });
});
