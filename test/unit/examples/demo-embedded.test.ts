// `startDemo({ mode: 'embedded' })` end to end, in real time and in this process: services publish,
// the topologies run on the embedded runner (two instances per application), and the lane topics
// fill with market data, order and portfolio events and CRITICAL risk alerts, which a gateway
// reads through the LaneFeed — live, and again from an offset for resume.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from '../../../examples/demo.js';
import type { EmbeddedDemoHandle } from '../../../examples/demo-handle.js';
import type { OrderLifecycleChain } from '../../../examples/topologies/index.js';
import type { LaneRecord } from '../../../runtime/transport/inprocess/lane-feed.js';
import { createGenericAvroDecoder, type TradeMasterEvent } from '../../../schemas/index.js';
import { waitFor } from '../../support/kafka.js';

let demo: EmbeddedDemoHandle;
const live: LaneRecord[] = [];
let unsubscribe: () => void;

beforeAll(async () => {
  demo = await startDemo({
    mode: 'embedded',
    seed: 20250101,
    rates: { orders: 12, marketData: 200, agents: 4, notifications: 4, health: 4 },
    runtimeInstances: 2,
    env: {},
  });
  unsubscribe = demo.lanes.subscribe((records) => live.push(...records));
});

afterAll(async () => {
  unsubscribe?.();
  await demo?.stop();
});

async function decode(records: readonly LaneRecord[]): Promise<TradeMasterEvent[]> {
  const decoder = createGenericAvroDecoder(demo.registry);
  const out: TradeMasterEvent[] = [];
  for (const r of records) {
    if (!r.value) continue;
    await decoder.prepare(r.value);
    out.push(decoder.deserialize(r.value, r).value as TradeMasterEvent);
  }
  return out;
}

describe('the embedded demo', () => {
  it('brings market data, orders, portfolio events and CRITICAL risk alerts to the lanes in real time', async () => {
    const seen = async () =>
      new Set((await decode(live)).map((e) => `${e.header.priority}:${e.header.eventType}`));
    const wanted = [
      'CRITICAL:RISK_LIMIT_BREACH',
      'HIGH:PRICE_UPDATE',
      'HIGH:ORDER_PLACED',
      'HIGH:ORDER_FILLED',
      'STANDARD:POSITION_UPDATE',
      'STANDARD:PNL_CHANGE',
      'STANDARD:AGENT_STATUS_CHANGE',
      'BACKGROUND:SERVICE_HEALTH_CHECK',
    ];
    await waitFor(
      async () => {
        const s = await seen();
        return wanted.every((w) => s.has(w));
      },
      20_000,
      `lane events ${wanted.join(', ')}`,
    );
    // Each application runs as two instances sharing its partitions.
    expect(demo.runtimes).toHaveLength(10);
    const risk = demo.runtimes.filter((r) => r.applicationId === 'tm-risk');
    expect(risk.every((r) => r.taskIds.length > 0)).toBe(true);
    expect(demo.services.published()['order-gateway']).toBeGreaterThan(0);
  });

  it('writes every order lifecycle as one chain on the chains topic', async () => {
    const chains = () =>
      [0, 1, 2]
        .flatMap((p) => demo.broker.fetch(demo.topics.chains, p, 0))
        .map((r) => JSON.parse(r.value?.toString() ?? 'null') as OrderLifecycleChain);
    await waitFor(
      () =>
        chains().some(
          (c) =>
            c.status === 'completed' &&
            ['ORDER_PLACED', 'ORDER_FILLED', 'POSITION_UPDATE', 'PNL_CHANGE'].every((t) =>
              c.events.some((e) => e.header.eventType === t),
            ),
        ),
      20_000,
      'a completed order chain',
    );
    for (const chain of chains().filter((c) => c.status === 'completed')) {
      expect(new Set(chain.events.map((e) => e.header.correlationId))).toEqual(
        new Set([chain.correlationId]),
      );
    }
  });

  it('serves a lane partition again from an offset, with the same positions and bytes as the live feed', () => {
    const topic = demo.laneTopics.HIGH;
    expect(demo.lanes.partitions(topic)).toEqual([0, 1, 2]);
    const first = live.find((r) => r.topic === topic && r.offset >= 3) as LaneRecord;
    expect(first).toBeDefined();
    const [again] = demo.lanes.read(topic, first.partition, first.offset, 1);
    expect(again).toMatchObject({ priority: 'HIGH', partition: first.partition, offset: first.offset });
    expect(again?.value?.equals(first.value as Buffer)).toBe(true);
    const { low, high } = demo.lanes.watermarks(topic, first.partition);
    expect(low).toBe(0);
    expect(high).toBeGreaterThan(first.offset);
    expect(demo.lanes.read(topic, first.partition, 0).map((r) => r.offset)).toEqual(
      Array.from({ length: demo.lanes.read(topic, first.partition, 0).length }, (_, i) => i),
    );
    expect(demo.lanes.read('not-a-lane', 0, 0)).toEqual([]);
  });

  it('stops the services and the topologies', async () => {
    await demo.stop();
    const before = demo.services.published()['market-data-feed'];
    await new Promise((r) => setTimeout(r, 200));
    expect(demo.services.published()['market-data-feed']).toBe(before);
    expect(demo.runtimes.every((r) => !r.running)).toBe(true);
  });
});
