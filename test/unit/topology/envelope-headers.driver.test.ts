// Headers belong to the output (STYLE practice 13), through the test driver with the real Avro
// serdes: an event derived from another leaves with the envelope headers of its own value, a
// non-event value sheds the input's envelope headers, trace context and user headers travel on,
// and a sink writes exactly the header set a publisher writes for the same event.
import { describe, expect, it } from 'vitest';
import { HEADERS } from '../../../core/headers.js';
import type { OutgoingHeaders, RecordHeaders } from '../../../core/record.js';
import { derivedId, newEvent } from '../../../examples/events.js';
import { riskTopology } from '../../../examples/topologies/index.js';
import { EventPublisher } from '../../../runtime/client/event-publisher.js';
import { InProcessBroker, TopologyTestDriver } from '../../../runtime/testing/index.js';
import { InProcessTransport } from '../../../runtime/transport/inprocess/inprocess-transport.js';
import {
  type EventOf,
  type FamilyValue,
  familySerde,
  InMemorySchemaRegistry,
  money,
  outputHeaders,
  ratio,
  type TradeMasterEvent,
  withEnvelopeHeaders,
} from '../../../schemas/index.js';
import { Serdes, TopologyBuilder } from '../../../topology/index.js';
import { exampleFixture, fillOf, priceOf } from '../examples/support.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const ACC = 'ACC-101442';

/** Headers of `record` as text, for readable assertions. */
const text = (headers: OutgoingHeaders) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.toString()]));
const envelopeNames = (headers: OutgoingHeaders) => Object.keys(headers).filter((k) => k.startsWith('tm-'));

/** The headers a consumer reads for a published fill (Buffers), plus trace context and a user header. */
const publishedHeaders = (fill: TradeMasterEvent): RecordHeaders => {
  const written = withEnvelopeHeaders(fill.header, {
    [HEADERS.traceparent]: TRACEPARENT,
    'x-tenant': Buffer.from('acme'),
  });
  return Object.fromEntries(Object.entries(written).map(([k, v]) => [k, Buffer.from(v)]));
};

function breachOf(fill: EventOf<'ORDER_FILLED'>): FamilyValue<'RiskEvent'> {
  return newEvent(
    'RISK_LIMIT_BREACH',
    fill.payload.accountId,
    {
      limitId: 'LIM-1',
      limitType: 'GROSS_EXPOSURE',
      userId: 'u-1',
      symbol: fill.header.symbol,
      limitValue: money(100),
      currentValue: money(150),
      utilization: ratio(1.5),
      currency: 'USD',
      action: 'BLOCK_NEW_ORDERS',
      detectedAt: fill.header.timestamp as number,
    },
    {
      source: 'risk-engine',
      eventId: derivedId(fill.header, 'RISK_LIMIT_BREACH'),
      derivedFrom: fill.header,
    },
  );
}

async function fillToBreachDriver() {
  const registry = new InMemorySchemaRegistry();
  const orders = await familySerde(registry, 'OrderEvent', { topic: 'tm.orders' });
  const risk = await familySerde(registry, 'RiskEvent', { topic: 'tm.risk' });
  const key = Serdes.string();
  const b = new TopologyBuilder();
  const fills = b.stream('tm.orders', { key, value: orders, name: 'orders' });
  fills
    .map((_k, fill) => ({ key: fill.payload.accountId, value: breachOf(fill as EventOf<'ORDER_FILLED'>) }), {
      name: 'breaches',
      keySerde: key,
      valueSerde: risk,
    })
    .to('tm.risk', { name: 'risk-out' });
  fills
    .mapValues((fill) => fill.header.eventType.length, { name: 'sizes', valueSerde: Serdes.json<number>() })
    .to('sizes', { name: 'sizes-out' });
  const driver = new TopologyTestDriver(b.build({ applicationId: 'envelope-headers' }), { startTime: 0 });
  return {
    driver,
    input: driver.createInputTopic('tm.orders', key, orders),
    risk: driver.createOutputTopic('tm.risk', key, risk),
    sizes: driver.createOutputTopic('sizes', key, Serdes.json<number>()),
    registry,
  };
}

describe('headers belong to the output (test driver)', () => {
  it('an ORDER_FILLED mapped to a RISK_LIMIT_BREACH leaves with the breach’s own envelope headers', async () => {
    const t = await fillToBreachDriver();
    const fill = fillOf(ACC, 'AAPL', 'BUY', 10, 190);
    t.input.pipeInput('AAPL', fill, { headers: publishedHeaders(fill) });
    const [out] = t.risk.readRecordsToList();
    const breach = out?.value as FamilyValue<'RiskEvent'>;
    expect(breach.header.causationId).toBe(fill.header.eventId);
    expect(text(out?.headers ?? {})).toEqual({
      'tm-event-type': 'RISK_LIMIT_BREACH',
      'tm-priority': 'CRITICAL',
      'tm-event-id': breach.header.eventId,
      'tm-correlation-id': fill.header.correlationId,
      traceparent: TRACEPARENT,
      'x-tenant': 'acme',
    });
    expect(breach.header.eventId).not.toBe(fill.header.eventId);
  });

  it('a value that is not a catalog event carries no tm-* header, and keeps trace context', async () => {
    const t = await fillToBreachDriver();
    const fill = fillOf(ACC, 'AAPL', 'BUY', 10, 190);
    t.input.pipeInput('AAPL', fill, { headers: publishedHeaders(fill) });
    const [out] = t.sizes.readRecordsToList();
    expect(out?.value).toBe('ORDER_FILLED'.length);
    expect(envelopeNames(out?.headers ?? {})).toEqual([]);
    expect(text(out?.headers ?? {})).toEqual({ traceparent: TRACEPARENT, 'x-tenant': 'acme' });
  });

  it('writes the header set a publisher writes for the same event', async () => {
    const t = await fillToBreachDriver();
    const fill = fillOf(ACC, 'MSFT', 'SELL', 5, 410);
    t.input.pipeInput('MSFT', fill, { headers: publishedHeaders(fill) });
    const [out] = t.risk.readRecordsToList();
    const broker = new InProcessBroker({ defaultPartitions: 1 });
    const publisher = new EventPublisher({
      transport: new InProcessTransport({ broker }),
      registry: t.registry,
      source: 'other',
    });
    const published = await publisher.publish(out?.value as TradeMasterEvent, {
      headers: { [HEADERS.traceparent]: Buffer.from(TRACEPARENT), 'x-tenant': Buffer.from('acme') },
    });
    const [record] = broker.fetch(published.topic, published.partition, published.offset);
    expect(text(out?.headers ?? {})).toEqual(text(record?.headers ?? {}));
  });

  it('on the risk topology every CRITICAL lane record is labelled with its own event', async () => {
    const f = await exampleFixture();
    const plan = riskTopology(f.topics, f.serdes, f.directory).build({ applicationId: 'tm-risk-headers' });
    const driver = new TopologyTestDriver(plan);
    driver
      .createInputTopic(f.topics.prices, f.serdes.key, f.serdes.prices)
      .pipeInput('AAPL', priceOf('AAPL', 190));
    const orders = driver.createInputTopic(f.topics.domain.OrderEvent, f.serdes.key, f.serdes.orders);
    for (const [qty, id] of [
      [1000, 'o1'],
      [500, 'o2'],
      [1500, 'o3'],
    ] as const) {
      const fill = fillOf(ACC, 'AAPL', 'BUY', qty, 190, id);
      orders.pipeInput('AAPL', fill, { headers: publishedHeaders(fill) });
    }
    const lane = driver
      .createOutputTopic(f.topics.lanes.CRITICAL, f.serdes.key, f.serdes.events)
      .readRecordsToList();
    const domain = driver
      .createOutputTopic(f.topics.domain.RiskEvent, f.serdes.key, f.serdes.risk)
      .readRecordsToList();
    expect(lane.length).toBeGreaterThanOrEqual(2);
    expect(domain).toHaveLength(lane.length);
    for (const r of [...lane, ...domain]) {
      const e = r.value as TradeMasterEvent;
      expect(text(r.headers)).toMatchObject({
        'tm-event-type': e.header.eventType,
        'tm-priority': 'CRITICAL',
        'tm-event-id': e.header.eventId,
        'tm-correlation-id': e.header.correlationId,
        traceparent: TRACEPARENT,
      });
    }
    // The repartitioned PricedFills (JSON) are the fills mid-topology: they keep the fill's lane,
    // so the aggregation that raises the alerts runs on HIGH, not the default STANDARD.
    const repartition = plan.internalTopics.find((t) => t.name.endsWith('-repartition'));
    const moved = driver.broker.fetch(repartition?.name ?? '', 0, 0);
    expect(moved).toHaveLength(3);
    for (const r of moved)
      expect(text(r.headers)).toMatchObject({ 'tm-priority': 'HIGH', traceparent: TRACEPARENT });
  });
});

describe('outputHeaders', () => {
  it('returns the inherited headers themselves when a non-event inherited no envelope header', () => {
    const inherited = { [HEADERS.traceparent]: Buffer.from(TRACEPARENT) };
    expect(outputHeaders(42, inherited)).toBe(inherited);
    expect(outputHeaders(null, inherited)).toBe(inherited);
  });

  it('writes the envelope as strings (no Buffer per record) and passes other headers by reference', () => {
    const fill = fillOf(ACC, 'AAPL', 'BUY', 1, 1);
    const breach = breachOf(fill);
    // An older publisher also wrote the causation id and the source as headers.
    const inherited: RecordHeaders = {
      ...publishedHeaders(fill),
      [HEADERS.causationId]: Buffer.from('e-0'),
      [HEADERS.source]: Buffer.from('old-publisher'),
    };
    const out = outputHeaders(breach, inherited);
    expect(out[HEADERS.eventId]).toBe(breach.header.eventId);
    expect(out[HEADERS.correlationId]).toBe(fill.header.correlationId);
    expect(out[HEADERS.causationId]).toBeUndefined(); // in the value only; the inherited one dropped
    expect(out[HEADERS.source]).toBeUndefined();
    expect(out[HEADERS.priority]).toBe('CRITICAL');
    expect(out['x-tenant']).toBe(inherited['x-tenant']);
  });

  it('strips inherited envelope headers from a tombstone and from an unknown event type', () => {
    const fill = fillOf(ACC, 'AAPL', 'BUY', 1, 1);
    const inherited = publishedHeaders(fill);
    expect(Object.keys(outputHeaders(null, inherited)).sort()).toEqual(['traceparent', 'x-tenant']);
    const odd = { header: { eventType: 'NOT_A_TYPE', eventId: 'e1', correlationId: 'c1' } };
    expect(envelopeNames(outputHeaders(odd, inherited))).toEqual([]);
  });
});
