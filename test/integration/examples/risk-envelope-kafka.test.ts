// Headers belong to the output, on the real broker and registry: the risk topology on
// `StreamsRuntime` turns published fills into RiskEvents, and every record it writes to the
// CRITICAL lane and the risk topic is labelled with its own event (type, CRITICAL, ids) — not the
// ORDER_FILLED / HIGH of the fill it came from — so `subscribe({ families: ['RiskEvent'] })`,
// which skips records by their `tm-event-type` header before decoding, receives every one. The
// expected events come from the same inputs run through the test driver (ids are derived from
// the fills, so both runners must produce the same set).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADERS } from '../../../core/headers.js';
import { AccountDirectory } from '../../../examples/accounts.js';
import { allTopics, demoTopics } from '../../../examples/topics.js';
import { demoSerdes, riskTopology } from '../../../examples/topologies/index.js';
import { EventPublisher } from '../../../runtime/client/event-publisher.js';
import { type Subscription, subscribe } from '../../../runtime/client/event-subscriber.js';
import { StreamsRuntime } from '../../../runtime/engine/streams-runtime.js';
import { changelogTopic, domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import { TopologyTestDriver } from '../../../runtime/testing/index.js';
import {
  createGenericAvroDecoder,
  HttpSchemaRegistry,
  type TradeMasterEvent,
} from '../../../schemas/index.js';
import { type ReadRecord, readTopic, waitFor } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';
import { exampleFixture, fillOf, priceOf } from '../../unit/examples/support.js';

const connection = servicesConfig();
const topics = demoTopics(`${uniqueName('it-envelope')}.`);
const topicManager = new TopicManager(connection);
const registry = new HttpSchemaRegistry({ url: connection.registry.url });
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
let runtime: StreamsRuntime | undefined;
let publisher: EventPublisher | undefined;
let subscription: Subscription | undefined;
let internalTopics: string[] = [];

// One symbol per account keeps each account's fills in one orders partition, so their order —
// and so the alerts they raise — is the same on Kafka as in the driver.
const PRICES = [priceOf('AAPL', 190), priceOf('MSFT', 400), priceOf('NVDA', 100)];
const FILLS = [
  fillOf('ACC-101442', 'AAPL', 'BUY', 1000, 190, 'k1'),
  fillOf('ACC-100871', 'MSFT', 'BUY', 1500, 400, 'k2'),
  fillOf('ACC-100234', 'NVDA', 'BUY', 100, 100, 'k3'),
  fillOf('ACC-101442', 'AAPL', 'BUY', 500, 190, 'k4'),
  fillOf('ACC-100871', 'MSFT', 'BUY', 1000, 400, 'k5'),
  fillOf('ACC-101442', 'AAPL', 'BUY', 1500, 190, 'k6'),
  fillOf('ACC-100871', 'MSFT', 'BUY', 4000, 400, 'k7'),
];

/** The risk events the topology raises for PRICES then FILLS, by event id → type. */
async function expectedRiskEvents(): Promise<Map<string, string>> {
  const f = await exampleFixture(topics.prefix);
  const plan = riskTopology(f.topics, f.serdes, f.directory).build({ applicationId: 'expected' });
  const driver = new TopologyTestDriver(plan);
  const prices = driver.createInputTopic(f.topics.prices, f.serdes.key, f.serdes.prices);
  for (const p of PRICES) prices.pipeInput(p.header.symbol, p);
  const orders = driver.createInputTopic(f.topics.domain.OrderEvent, f.serdes.key, f.serdes.orders);
  for (const fill of FILLS) orders.pipeInput(fill.header.symbol, fill);
  const risk = driver.createOutputTopic(f.topics.domain.RiskEvent, f.serdes.key, f.serdes.risk);
  return new Map(risk.readValuesToList().map((e) => [e?.header.eventId ?? '', e?.header.eventType ?? '']));
}

let expected: Map<string, string>;

beforeAll(async () => {
  expected = await expectedRiskEvents();
  await topicManager.ensure(
    allTopics(topics).map((name) =>
      name === topics.prices ? changelogTopic(name, 3) : domainTopic(name, 3),
    ),
  );
  const serdes = await demoSerdes(registry, topics);
  const plan = riskTopology(topics, serdes, new AccountDirectory()).build({
    applicationId: `${topics.prefix}tm-risk`,
  });
  internalTopics = plan.internalTopics.map((t) => t.name);
  runtime = new StreamsRuntime({ connection, plan, instanceId: 'a', commitIntervalMs: 100 });
  await runtime.start();
  await waitFor(() => runtime?.ready === true, 30_000, 'risk runtime ready');
  publisher = new EventPublisher({ connection, registry, source: 'order-gateway', topics: topics.domain });
  for (const p of PRICES) await publisher.publish(p, { topic: topics.prices });
  // Fills only once the prices are in the table: a fill without a price joins nothing.
  await waitFor(() => (runtime?.stats.processed ?? 0) >= PRICES.length, 30_000, 'prices processed');
  const trace = { [HEADERS.traceparent]: Buffer.from(TRACEPARENT) };
  for (const fill of FILLS) await publisher.publish(fill, { headers: trace });
}, 90_000);

afterAll(async () => {
  await subscription?.close();
  await publisher?.close();
  await runtime?.stop();
  await topicManager.delete([...allTopics(topics), ...internalTopics, `${topics.prefix}tm-risk-dlq`]);
}, 60_000);

async function decode(records: readonly ReadRecord[]): Promise<TradeMasterEvent[]> {
  const decoder = createGenericAvroDecoder(registry);
  const out: TradeMasterEvent[] = [];
  for (const r of records) {
    await decoder.prepare(r.value);
    out.push(decoder.deserialize(r.value, r).value as TradeMasterEvent);
  }
  return out;
}

describe('envelope headers of derived events on Kafka', () => {
  it('the driver predicts several kinds of risk alert for these fills', () => {
    expect(new Set(expected.values())).toEqual(
      new Set(['RISK_LIMIT_BREACH', 'POSITION_LIMIT_EXCEEDED', 'MARGIN_CALL']),
    );
  });

  it('every record on the CRITICAL lane and the risk topic carries its own type, CRITICAL and its ids', async () => {
    for (const topic of [topics.lanes.CRITICAL, topics.domain.RiskEvent]) {
      const records = await readTopic(connection, topic, expected.size, { timeoutMs: 30_000, settleMs: 500 });
      const events = await decode(records);
      expect(new Map(events.map((e) => [e.header.eventId, e.header.eventType]))).toEqual(expected);
      records.forEach((r, i) => {
        const e = events[i] as TradeMasterEvent;
        expect(r.headers).toMatchObject({
          [HEADERS.eventType]: e.header.eventType,
          [HEADERS.priority]: 'CRITICAL',
          [HEADERS.eventId]: e.header.eventId,
          [HEADERS.correlationId]: e.header.correlationId,
        });
        expect(e.header.source).toBe('risk-engine');
        // Trace context continues from the fill's trace (same trace id).
        expect(r.headers[HEADERS.traceparent]?.split('-')[1]).toBe(TRACEPARENT.split('-')[1]);
      });
    }
  });

  it("subscribe({ families: ['RiskEvent'] }) receives every risk event the topology wrote", async () => {
    const received = new Map<string, string>();
    subscription = await subscribe(
      {
        connection,
        registry,
        groupId: uniqueName('it-risk-subscriber'),
        topics: { RiskEvent: topics.domain.RiskEvent },
      },
      { families: ['RiskEvent'] },
      (event) => {
        received.set(event.header.eventId, event.header.eventType);
      },
    );
    await waitFor(() => received.size >= expected.size, 30_000, `${expected.size} risk events`);
    expect(received).toEqual(expected);
  });
});
