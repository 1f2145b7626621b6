// The simulated services publish schema-valid events (every publish goes through the Avro serde of
// the embedded publisher) with the envelope rules of the real publisher: each order lifecycle is
// one correlation chain, causes linked step by step.
import { describe, expect, it } from 'vitest';
import { createAgentService } from '../../../examples/services/agent-service.js';
import { MarketDataFeed } from '../../../examples/services/market-data-feed.js';
import { createNotificationService } from '../../../examples/services/notification-service.js';
import { RateBudget } from '../../../examples/services/pacing.js';
import { createPlatformMonitor } from '../../../examples/services/platform-monitor.js';
import { SeededRandom } from '../../../examples/services/random.js';
import { TradingService } from '../../../examples/services/trading-service.js';
import type { EventSink } from '../../../examples/sinks/event-sink.js';
import { EventPublisher, stampEnvelope } from '../../../runtime/client/event-publisher.js';
import { InProcessBroker } from '../../../runtime/testing/index.js';
import { InProcessTransport } from '../../../runtime/transport/inprocess/inprocess-transport.js';
import {
  familyOfEvent,
  InMemorySchemaRegistry,
  isEvent,
  sampleEvent,
  type TradeMasterEvent,
} from '../../../schemas/index.js';

/** A sink on a fresh broker that remembers what it wrote. */
function capturingSink(source: string): EventSink & { events: TradeMasterEvent[]; broker: InProcessBroker } {
  const broker = new InProcessBroker({ defaultPartitions: 3 });
  const publisher = new EventPublisher({
    transport: new InProcessTransport({ broker }),
    registry: new InMemorySchemaRegistry(),
    source,
  });
  const events: TradeMasterEvent[] = [];
  return {
    events,
    broker,
    async publish(event, options) {
      const written = await publisher.publish(event, options);
      events.push(written.event);
      return written;
    },
    close: () => publisher.close(),
  };
}

describe('trading service', () => {
  it('publishes each order lifecycle as one chain whose events name their cause', async () => {
    const sink = capturingSink('order-gateway');
    const feed = new MarketDataFeed({ sink: capturingSink('md'), rate: { ratePerSecond: 0 }, seed: 3 });
    const trading = new TradingService({
      sink,
      symbols: feed.symbols,
      quote: (s) => feed.quote(s),
      rate: { ratePerSecond: 0 },
      seed: 11,
    });
    for (let i = 0; i < 80; i++) await trading.placeOrder();
    await trading.drain();

    const chains = new Map<string, TradeMasterEvent[]>();
    for (const e of sink.events)
      chains.set(e.header.correlationId, [...(chains.get(e.header.correlationId) ?? []), e]);
    expect(chains.size).toBe(80);
    const outcomes = new Set<string>();
    for (const [correlationId, chain] of chains) {
      const [first, ...rest] = chain as [TradeMasterEvent, ...TradeMasterEvent[]];
      expect(first.header.eventId).toBe(correlationId);
      expect(first.header.causationId).toBeNull();
      for (const [i, e] of rest.entries()) expect(e.header.causationId).toBe(chain[i]?.header.eventId);
      const last = chain[chain.length - 1] as TradeMasterEvent;
      outcomes.add(last.header.eventType);
      expect(new Set(chain.map((e) => (e.payload as { orderId: string }).orderId)).size).toBe(1);
      if (isEvent(last, 'ORDER_FILLED') && isEvent(first, 'ORDER_PLACED')) {
        expect(last.payload.cumulativeQuantity).toBe(first.payload.quantity);
      }
      if (isEvent(first, 'ORDER_REJECTED_CRITICAL')) expect(chain).toHaveLength(1);
    }
    expect(outcomes).toEqual(
      new Set(['ORDER_FILLED', 'ORDER_CANCELLED', 'ORDER_CANCELLED_SYSTEM', 'ORDER_REJECTED_CRITICAL']),
    );
    expect(sink.events.every((e) => e.header.source === 'order-gateway')).toBe(true);
    expect(new Set(sink.events.map((e) => (e.payload as { accountId: string }).accountId)).size).toBe(4);
    expect(trading.stats.placed + trading.stats.rejected).toBe(80);
  });
});

describe('market-data feed', () => {
  it('walks prices around the open, keeps bid < ask, and mixes the four market events', async () => {
    const sink = capturingSink('market-data-feed');
    const feed = new MarketDataFeed({
      sink,
      symbols: ['AAPL', { symbol: 'XYZ', price: 50 }],
      rate: { ratePerSecond: 0 },
      seed: 5,
    });
    await feed.publishSnapshot();
    await feed.publishNext(2_000);
    const types = new Set(sink.events.map((e) => e.header.eventType));
    expect(types).toEqual(new Set(['PRICE_UPDATE', 'ORDER_BOOK_CHANGE', 'TRADE_EXECUTION', 'VOLUME_UPDATE']));
    const updates = sink.events.filter((e) => isEvent(e, 'PRICE_UPDATE'));
    for (const u of updates) {
      if (!isEvent(u, 'PRICE_UPDATE')) continue;
      expect(Number(u.payload.bid)).toBeLessThan(Number(u.payload.ask));
    }
    const xyz = feed.quote('XYZ');
    expect(xyz.last).toBeGreaterThan(40);
    expect(xyz.last).toBeLessThan(60);
    expect(new Set(updates.map((u) => Number((u.payload as { last: string }).last))).size).toBeGreaterThan(
      50,
    );
    expect(() => feed.quote('NOPE')).toThrow(/does not quote 'NOPE'/);
    // keyed by symbol, as the catalog partitions market data
    expect(
      sink.broker.fetch('tm.market-data', 0, 0).length +
        sink.broker.fetch('tm.market-data', 1, 0).length +
        sink.broker.fetch('tm.market-data', 2, 0).length,
    ).toBe(sink.events.length);
  });
});

describe('agent, notification and platform services', () => {
  it('publish schema-valid events of their families', async () => {
    const sink = capturingSink('svc');
    const agents = createAgentService({ sink, rate: { ratePerSecond: 0 }, seed: 1 });
    const notifications = createNotificationService({ sink, rate: { ratePerSecond: 0 }, seed: 2 });
    const { service: monitor, monitor: platform } = createPlatformMonitor({
      sink,
      rate: { ratePerSecond: 0 },
      random: new SeededRandom(3),
      probes: { 'risk-engine': () => 'HEALTHY' },
      counters: { 'orders.placed': () => 42 },
    });
    await agents.publishNext(200);
    await notifications.publishNext(200);
    await monitor.publishNext(50);
    await sink.publish(platform.maintenanceNotice(Date.now()));
    expect(agents.stats).toEqual({ published: 200, failed: 0 });
    const families = new Set(sink.events.map(familyOfEvent));
    expect(families).toEqual(new Set(['AgentEvent', 'NotificationEvent', 'SystemEvent']));
    expect(new Set(sink.events.map((e) => e.header.eventType)).size).toBeGreaterThanOrEqual(8);
    const analytics = sink.events.find((e) => isEvent(e, 'ANALYTICS_UPDATE'));
    expect(analytics?.payload).toMatchObject({ metric: 'orders.placed', value: 42 });
  });
});

describe('pacing and envelope rules', () => {
  it('spends a rate budget per tick, with bursts and a capped carry-over', () => {
    const budget = new RateBudget(
      { ratePerSecond: 100, burst: { everyMs: 10_000, durationMs: 1_000, multiplier: 5 } },
      0,
    );
    expect(budget.take(1_000)).toBe(100); // the first second
    let n = 0;
    for (let t = 1_050; t <= 2_000; t += 50) n += budget.take(t); // outside the burst
    expect(n).toBe(100);
    let burst = 0;
    for (let t = 10_050; t <= 11_000; t += 50) burst += budget.take(t);
    expect(burst).toBeGreaterThanOrEqual(475); // ×5 inside it
    expect(budget.take(65_000)).toBe(100); // a long stall does not turn into a flood
  });

  it('stamps priority, source and correlation like EventPublisher', () => {
    const cause = sampleEvent('ORDER_PLACED');
    const fill = sampleEvent('ORDER_FILLED', { header: { priority: 'BACKGROUND', source: '' } });
    const stamped = stampEnvelope(fill, 'order-gateway', cause);
    expect(stamped.header).toMatchObject({
      priority: 'HIGH',
      source: 'order-gateway',
      correlationId: cause.header.correlationId,
      causationId: cause.header.eventId,
    });
    expect(fill.header.priority).toBe('BACKGROUND'); // a copy, the input is untouched
    const fresh = stampEnvelope(sampleEvent('MARGIN_CALL', { header: { correlationId: '' } }), 'risk');
    expect(fresh.header.correlationId).toBe(fresh.header.eventId);
  });
});
