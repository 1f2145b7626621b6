// Correlation chains against the real broker and registry: three events of one flow published
// across two topics among unrelated traffic come back as one chain, in causation order, decoded
// with their writer schemas; `tmbus chain` prints them as an indented tree.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADERS } from '../../../core/headers.js';
import { EventPublisher } from '../../../runtime/client/event-publisher.js';
import { domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import { traceCorrelation } from '../../../runtime/ops/chain.js';
import { formatEventChain } from '../../../runtime/ops/event-chain.js';
import { HttpSchemaRegistry, sampleEvent } from '../../../schemas/index.js';
import { produceAll } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';
import { cliEnv, runCli } from './support/run-cli.js';

const connection = servicesConfig();
const registry = new HttpSchemaRegistry({ url: connection.registry.url });
const topics = new TopicManager(connection);
const orders = uniqueName('ops-chain-orders');
const portfolio = uniqueName('ops-chain-portfolio');
const t0 = Date.now() - 60_000;

const placed = sampleEvent('ORDER_PLACED', { header: { timestamp: t0 } });
const correlationId = placed.header.eventId;
const filled = sampleEvent('ORDER_FILLED', {
  header: { timestamp: t0 + 150, correlationId, causationId: placed.header.eventId },
});
const position = sampleEvent('POSITION_UPDATE', {
  header: { timestamp: t0 + 300, correlationId, causationId: filled.header.eventId },
});

beforeAll(async () => {
  await topics.ensure([domainTopic(orders, 3), domainTopic(portfolio, 2)]);
  const publisher = new EventPublisher({
    connection,
    registry,
    source: 'ops-chain-test',
    topics: { OrderEvent: orders, PortfolioEvent: portfolio },
  });
  try {
    // Unrelated traffic before, between and after; the chain's last event is published first so
    // the order cannot come from offsets or publish order.
    for (let i = 0; i < 20; i++) await publisher.publish(sampleEvent('ORDER_PLACED'));
    await publisher.publish(position);
    for (let i = 0; i < 10; i++) await publisher.publish(sampleEvent('PNL_CHANGE'));
    await publisher.publish({ ...placed, header: { ...placed.header, correlationId } });
    await publisher.publish(filled);
    for (let i = 0; i < 20; i++) await publisher.publish(sampleEvent('ORDER_FILLED'));
  } finally {
    await publisher.close();
  }
});

afterAll(async () => {
  await topics.delete([orders, portfolio]);
});

describe('traceCorrelation', () => {
  it('finds the three events of one correlation id among others, in causation order', async () => {
    const trace = await traceCorrelation({
      connection,
      registry,
      correlationId,
      topics: [orders, portfolio],
      from: '-10m',
    });
    expect(trace.scanned).toBe(20 + 1 + 10 + 2 + 20);
    expect(trace.events.map((e) => e.eventType)).toEqual(['ORDER_PLACED', 'ORDER_FILLED', 'POSITION_UPDATE']);
    expect(trace.events.map((e) => e.timestamp)).toEqual([t0, t0 + 150, t0 + 300]);
    expect(trace.roots).toHaveLength(1);
    const root = trace.roots[0]!;
    expect(root.event.eventId).toBe(placed.header.eventId);
    expect(root.children.map((c) => c.event.eventId)).toEqual([filled.header.eventId]);
    expect(root.children[0]!.children.map((c) => c.event.eventId)).toEqual([position.header.eventId]);
    expect(root.children[0]!.children[0]!.event.causationId).toBe(filled.header.eventId);
    // Decoded with the writer schema: payload fields come back typed.
    expect((trace.events[1]!.payload as { orderId: string }).orderId).toBe(filled.payload.orderId);
    expect(trace.events[2]!.topic).toBe(portfolio);
  });

  it('keeps an undecodable record of the flow, placed by its Kafka headers', async () => {
    const flow = uniqueName('flow');
    await produceAll(connection, [
      {
        topic: orders,
        key: 'AAPL',
        value: Buffer.from('not avro'),
        headers: {
          [HEADERS.correlationId]: Buffer.from(flow),
          [HEADERS.eventId]: Buffer.from('e-raw'),
          [HEADERS.eventType]: Buffer.from('ORDER_PLACED'),
        },
      },
    ]);
    const trace = await traceCorrelation({
      connection,
      registry,
      correlationId: flow,
      topics: [orders],
      from: '-10m',
    });
    expect(trace.events).toHaveLength(1);
    expect(trace.events[0]).toMatchObject({ eventId: 'e-raw', eventType: 'ORDER_PLACED' });
    expect(trace.events[0]!.decodeError).toMatch(/magic byte|Confluent|framed/i);
    expect(formatEventChain(trace)).toMatch(/undecodable/);
  });
});

describe('tmbus chain', () => {
  it('prints the chain as an indented tree with causation links', async () => {
    const result = await runCli(
      ['chain', correlationId, '--topics', orders, portfolio, '--from', '-10m'],
      cliEnv(connection),
    );
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    const at = (type: string) => lines.findIndex((l) => l.includes(type));
    expect(lines[0]).toBe(`correlation ${correlationId}: 3 event(s)`);
    expect(lines[at('ORDER_PLACED')]).toMatch(new RegExp(`^ORDER_PLACED .* ${placed.header.eventId}$`));
    expect(lines[at('ORDER_FILLED')]).toMatch(
      new RegExp(`^└─ ORDER_FILLED .* ${filled.header.eventId} ← ${placed.header.eventId}$`),
    );
    expect(lines[at('POSITION_UPDATE')]).toMatch(
      new RegExp(`^   └─ POSITION_UPDATE .* ${position.header.eventId} ← ${filled.header.eventId}$`),
    );
    expect(at('ORDER_PLACED')).toBeLessThan(at('ORDER_FILLED'));
    expect(at('ORDER_FILLED')).toBeLessThan(at('POSITION_UPDATE'));
  });

  it('exits 1 when no event carries the correlation id', async () => {
    const result = await runCli(
      ['chain', 'no-such-flow', '--topics', orders, '--from', '-10m'],
      cliEnv(connection),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/no events with correlation id no-such-flow/);
  });
});
