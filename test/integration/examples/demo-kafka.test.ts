// `startDemo({ mode: 'kafka' })` against the real Kafka and schema registry: the same services and
// topologies as the embedded demo, two StreamsRuntime instances per application, every name under
// a prefix unique to this run. Within seconds the lane topics carry CRITICAL risk alerts, order
// events and portfolio events, Avro-encoded against the registry and correlated per order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from '../../../examples/demo.js';
import type { KafkaDemoHandle } from '../../../examples/demo-handle.js';
import { TopicManager } from '../../../runtime/kafka/topics.js';
import { createGenericAvroDecoder, type TradeMasterEvent } from '../../../schemas/index.js';
import { type ReadRecord, readTopic } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const connection = servicesConfig();
let demo: KafkaDemoHandle | undefined;

beforeAll(async () => {
  demo = await startDemo({
    mode: 'kafka',
    connection,
    topicPrefix: `${uniqueName('it-demo')}.`,
    partitions: 3,
    runtimeInstances: 2,
    seed: 424242,
    rates: { orders: 10, marketData: 120, agents: 2, notifications: 2, health: 2 },
    env: {},
  });
}, 180_000);

afterAll(async () => {
  if (!demo) return;
  await demo.stop();
  await new TopicManager(connection).delete(demo.topicNames());
}, 120_000);

async function decode(records: readonly ReadRecord[]): Promise<TradeMasterEvent[]> {
  const decoder = createGenericAvroDecoder((demo as KafkaDemoHandle).registry);
  const out: TradeMasterEvent[] = [];
  for (const r of records) {
    await decoder.prepare(r.value);
    out.push(decoder.deserialize(r.value, r).value as TradeMasterEvent);
  }
  return out;
}

const types = (events: readonly TradeMasterEvent[]) => new Set(events.map((e) => e.header.eventType));

describe('the demo on Kafka', () => {
  it('runs two instances of each application, sharing its partitions', () => {
    const d = demo as KafkaDemoHandle;
    expect(d.runtimes).toHaveLength(10);
    for (const plan of Object.values(d.plans))
      expect(plan.applicationId.startsWith(d.topics.prefix)).toBe(true);
    expect(d.laneTopics.CRITICAL).toBe(`${d.topics.prefix}tm.lane.critical`);
  });

  it('delivers CRITICAL risk alerts to the CRITICAL lane, keyed by account', async () => {
    const d = demo as KafkaDemoHandle;
    const records = await readTopic(connection, d.laneTopics.CRITICAL, 10, { timeoutMs: 60_000 });
    const events = await decode(records);
    for (const e of events) expect(e.header.priority).toBe('CRITICAL');
    // Headers belong to the output: a risk alert derived from a fill is labelled with its own
    // type and lane, not the fill's ORDER_FILLED / HIGH.
    records.forEach((r, i) => {
      expect(r.headers['tm-priority']).toBe('CRITICAL');
      expect(r.headers['tm-event-type']).toBe(events[i]?.header.eventType);
      expect(r.headers['tm-event-id']).toBe(events[i]?.header.eventId);
    });
    const at = events.findIndex(
      (e) => e.header.eventType === 'RISK_LIMIT_BREACH' || e.header.eventType === 'MARGIN_CALL',
    );
    expect(at).toBeGreaterThanOrEqual(0);
    const alert = events[at] as TradeMasterEvent & { header: { accountId: string } };
    expect(records[at]?.key).toBe(alert.header.accountId);
    expect(d.directory.accounts.map((a) => a.accountId)).toContain(alert.header.accountId);
    expect(alert.header.source).toBe('risk-engine');
  });

  it('delivers order and portfolio events to their lanes, each order one correlation chain', async () => {
    const d = demo as KafkaDemoHandle;
    const high = await decode(await readTopic(connection, d.laneTopics.HIGH, 400, { timeoutMs: 30_000 }));
    expect([...types(high)]).toEqual(
      expect.arrayContaining(['PRICE_UPDATE', 'ORDER_PLACED', 'ORDER_FILLED']),
    );
    const standard = await decode(
      await readTopic(connection, d.laneTopics.STANDARD, 40, { timeoutMs: 30_000 }),
    );
    expect([...types(standard)]).toEqual(expect.arrayContaining(['POSITION_UPDATE', 'PNL_CHANGE']));

    // A PNL_CHANGE continues the chain of the order whose fill caused it.
    const orders = await decode(
      await readTopic(connection, d.topics.domain.OrderEvent, 200, { timeoutMs: 30_000 }),
    );
    const fills = new Map(
      orders.filter((e) => e.header.eventType.includes('FILL')).map((e) => [e.header.eventId, e]),
    );
    const pnl = standard.filter((e) => e.header.eventType === 'PNL_CHANGE');
    const linked = pnl.filter((e) => fills.has(e.header.causationId ?? ''));
    expect(linked.length).toBeGreaterThan(0);
    for (const e of linked) {
      expect(e.header.correlationId).toBe(fills.get(e.header.causationId ?? '')?.header.correlationId);
    }
  });
});
