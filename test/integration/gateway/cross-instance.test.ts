// Two gateway instances in one consumer group over fresh lane topics, one Redis: a client
// connected to instance A receives events that instance B consumed (and vice versa), each event
// consumed by exactly one instance and delivered once, decoded from real Avro on the lanes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '../../../gateway/client/index.js';
import type { Gateway } from '../../../gateway/gateway.js';
import type { EventType, Priority } from '../../../schemas/catalog.js';
import { createFixture, eventually, type Fixture, token, waitForAssignment } from './support/harness.js';

const TRADER = { sub: 'u-7f3a9c', account: 'ACC-100234' };
/** One event type per lane, each on a channel the sample trader may read. */
const TYPE_OF_LANE: Record<Priority, { type: EventType; channel: string }> = {
  CRITICAL: { type: 'RISK_LIMIT_BREACH', channel: `risk:${TRADER.account}` },
  HIGH: { type: 'ORDER_FILLED', channel: `orders:${TRADER.account}` },
  STANDARD: { type: 'POSITION_UPDATE', channel: `portfolio:${TRADER.sub}` },
  BACKGROUND: { type: 'USER_NOTIFICATION', channel: `notifications:${TRADER.sub}` },
};

let fx: Fixture;
let a: { gateway: Gateway; url: string };
let b: { gateway: Gateway; url: string };

beforeAll(async () => {
  fx = await createFixture('cross', 1);
  a = await fx.startGateway({ instanceId: 'gw-a' });
  b = await fx.startGateway({ instanceId: 'gw-b' });
  await waitForAssignment([a.gateway, b.gateway], 1);
  // Both own something: 4 single-partition lanes over 2 members.
  await eventually(
    () => a.gateway.lanePartitions().length > 0 && b.gateway.lanePartitions().length > 0,
    30_000,
    'both instances own lanes',
  );
});

afterAll(async () => {
  await fx?.cleanup();
});

function ownerOf(lane: Priority): 'a' | 'b' {
  const topic = fx.lanes[lane];
  return a.gateway.lanePartitions().some((tp) => tp.topic === topic) ? 'a' : 'b';
}

describe('gateway fan-out across instances', () => {
  it('delivers an event consumed by one instance to clients of every instance, once', async () => {
    const jwt = await token(TRADER.sub, ['trader'], { account: TRADER.account });
    const onA = fx.client(a.url, { token: jwt });
    const onB = fx.client(b.url, { token: jwt });
    await Promise.all([onA.connect(), onB.connect()]);
    const received: Record<'a' | 'b', Delivery[]> = { a: [], b: [] };
    onA.onDelivery((d) => received.a.push(d));
    onB.onDelivery((d) => received.b.push(d));
    for (const { channel } of Object.values(TYPE_OF_LANE)) {
      expect(await onA.subscribe(channel)).toMatchObject({ ok: true, channel });
      expect(await onB.subscribe(channel)).toMatchObject({ ok: true, channel });
    }
    // What each instance's adapter parses from Redis: the other instance's broadcasts, never the
    // echo of its own (scheduledAdapter drops those by their first bytes).
    const parsedFrom = { a: [] as string[], b: [] as string[] };
    for (const [side, gw] of [
      ['a', a.gateway],
      ['b', b.gateway],
    ] as const) {
      const adapter = gw.io.of('/').adapter as unknown as {
        onMessage(m: { uid: string }): unknown;
        uid: string;
      };
      const onMessage = adapter.onMessage.bind(adapter);
      adapter.onMessage = (m) => {
        parsedFrom[side].push(m.uid === adapter.uid ? 'self' : 'other');
        return onMessage(m);
      };
    }
    const positions = new Map<string, { topic: string; partition: number; offset: number }>();
    for (const [lane, { type }] of Object.entries(TYPE_OF_LANE)) positions.set(lane, await fx.publish(type));

    await eventually(
      () => received.a.length === 4 && received.b.length === 4,
      30_000,
      'four deliveries on each instance',
    );
    // Every lane is consumed by exactly one instance, and both instances' clients got every event.
    const lanes = Object.keys(TYPE_OF_LANE) as Priority[];
    const consumedBy = Object.fromEntries(lanes.map((l) => [l, ownerOf(l)]));
    expect(new Set(Object.values(consumedBy))).toEqual(new Set(['a', 'b']));
    for (const lane of lanes) {
      const owner = consumedBy[lane] === 'a' ? a.gateway : b.gateway;
      const other = consumedBy[lane] === 'a' ? b.gateway : a.gateway;
      expect(owner.metrics.deliveries[lane]).toBe(1);
      expect(other.metrics.deliveries[lane]).toBe(0);
      for (const side of ['a', 'b'] as const) {
        const d = received[side].find((x) => x.priority === lane);
        expect(d, `${side} got the ${lane} event`).toBeDefined();
        expect(d!.type).toBe(TYPE_OF_LANE[lane].type);
        expect(d!.channel).toBe(TYPE_OF_LANE[lane].channel);
        expect(d!.position).toEqual(positions.get(lane));
        expect(d!.event.header.eventType).toBe(TYPE_OF_LANE[lane].type);
      }
    }
    // Each instance broadcast the lanes it consumed; the other parsed exactly those, neither its own.
    const count = (side: 'a' | 'b') => lanes.filter((l) => consumedBy[l] === side).length;
    expect(parsedFrom.a).toEqual(Array(count('b')).fill('other'));
    expect(parsedFrom.b).toEqual(Array(count('a')).fill('other'));
    // Decoded Avro reaches the client as JSON: decimals as strings, timestamps as epoch millis.
    const fill = received.a.find((d) => d.type === 'ORDER_FILLED')!;
    expect(fill.event.payload.fillPrice).toMatch(/^\d+\.\d{8}$/);
    expect(typeof fill.event.header.timestamp).toBe('number');
  });

  it('does not deliver a channel to clients that did not subscribe to it', async () => {
    const jwt = await token(TRADER.sub, ['trader'], { account: TRADER.account });
    const quiet = fx.client(a.url, { token: jwt });
    const loud = fx.client(b.url, { token: jwt });
    await Promise.all([quiet.connect(), loud.connect()]);
    const got: Delivery[] = [];
    const other: Delivery[] = [];
    quiet.onDelivery((d) => got.push(d));
    loud.onDelivery((d) => other.push(d));
    await quiet.subscribe('market:MSFT');
    await loud.subscribe('market:AAPL');
    await fx.publish('PRICE_UPDATE', { header: { symbol: 'AAPL' } });
    await fx.publish('PRICE_UPDATE', { header: { symbol: 'MSFT' } });
    await eventually(() => got.length === 1 && other.length === 1, 20_000, 'one price each');
    expect(got[0]!.channel).toBe('market:MSFT');
    expect(other[0]!.channel).toBe('market:AAPL');
  });
});
