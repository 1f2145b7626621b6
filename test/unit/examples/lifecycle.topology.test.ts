// Order lifecycles end to end through the test driver: the trading service's events, the
// portfolio topology's POSITION_UPDATE / PNL_CHANGE (a second driver on the same broker), and the
// order-lifecycle topology linking them into one chain — completed, or closed by wall-clock
// inactivity. Also the lane router putting each service event on its lane.
import { describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS } from '../../../examples/accounts.js';
import { type OrderState, orderFill, orderPlaced } from '../../../examples/services/order-events.js';
import {
  laneRouterTopology,
  type OrderLifecycleChain,
  orderLifecycleTopology,
  portfolioTopology,
} from '../../../examples/topologies/index.js';
import { stampEnvelope } from '../../../runtime/client/event-publisher.js';
import { InProcessBroker, TopologyTestDriver } from '../../../runtime/testing/index.js';
import { sampleEvent, type TradeMasterEvent } from '../../../schemas/index.js';
import { Serdes } from '../../../topology/index.js';
import { type ExampleFixture, exampleFixture, priceOf } from './support.js';

const T0 = Date.UTC(2025, 0, 1);
const TIMEOUT = 5_000;

function setup(f: ExampleFixture) {
  const broker = new InProcessBroker({
    clock: { now: () => T0, setTimeout: () => ({ id: 0 }), clearTimeout: () => {} },
  });
  const portfolio = new TopologyTestDriver(
    portfolioTopology(f.topics, f.serdes, f.directory).build({ applicationId: 'tm-portfolio-test' }),
    { broker },
  );
  const lifecycle = new TopologyTestDriver(
    orderLifecycleTopology(f.topics, f.serdes, { inactivityTimeoutMs: TIMEOUT }).build({
      applicationId: 'tm-lifecycle-test',
    }),
    { broker },
  );
  return {
    portfolio,
    lifecycle,
    prices: portfolio.createInputTopic(f.topics.prices, f.serdes.key, f.serdes.prices),
    orders: portfolio.createInputTopic(f.topics.domain.OrderEvent, f.serdes.key, f.serdes.orders),
    chains: lifecycle.createOutputTopic(f.topics.chains, Serdes.string(), Serdes.json<OrderLifecycleChain>()),
  };
}

function anOrder(quantity: number): OrderState {
  const account = DEMO_ACCOUNTS[0] as (typeof DEMO_ACCOUNTS)[number];
  return {
    orderId: 'ORD-1',
    intent: { account, symbol: 'AAPL', side: 'BUY', quantity, orderType: 'LIMIT', limitPrice: 190.1 },
    venue: 'XNAS',
    filled: 0,
    filledNotional: 0,
  };
}

const types = (events: readonly TradeMasterEvent[] = []) => events.map((e) => e.header.eventType);

describe('order lifecycle chains (test drivers, Avro serdes)', () => {
  it('links ORDER_PLACED → fills → POSITION_UPDATE → PNL_CHANGE into one completed chain', async () => {
    const t = setup(await exampleFixture());
    const order = anOrder(100);
    const placed = stampEnvelope(orderPlaced(order, 'web-1', T0), 'order-gateway');
    const partial = stampEnvelope(orderFill(order, 40, 190, 'EXE-1', false, T0), 'order-gateway', placed);
    const filled = stampEnvelope(orderFill(order, 60, 190.05, 'EXE-2', true, T0), 'order-gateway', partial);
    t.prices.pipeInput('AAPL', priceOf('AAPL', 190));
    for (const e of [placed, partial, filled]) t.orders.pipeInput('AAPL', e);
    t.lifecycle.advanceWallClockTime(0); // process what the portfolio topology wrote

    const [chain] = t.chains.readKeyValuesToList();
    expect(chain?.key).toBe(placed.header.eventId);
    expect(chain?.value?.status).toBe('completed');
    const events = chain?.value?.events ?? [];
    expect(types(events)).toEqual([
      'ORDER_PLACED',
      'ORDER_PARTIAL_FILL',
      'POSITION_UPDATE',
      'PNL_CHANGE',
      'ORDER_FILLED',
      'POSITION_UPDATE',
      'PNL_CHANGE',
    ]);
    expect(new Set(events.map((e) => e.header.correlationId))).toEqual(new Set([placed.header.eventId]));
    // Each event names its cause: the order's steps in turn, and the fill for what the fill caused.
    const causes = events.map((e) => e.header.causationId);
    const ids = events.map((e) => e.header.eventId);
    expect(causes).toEqual([null, ids[0], ids[1], ids[1], ids[1], ids[4], ids[4]]);
  });

  it('closes an order left working on wall-clock inactivity, with no further record', async () => {
    const t = setup(await exampleFixture());
    const placed = stampEnvelope(orderPlaced(anOrder(100), 'web-2', T0), 'order-gateway');
    t.orders.pipeInput('AAPL', placed);
    t.lifecycle.advanceWallClockTime(0); // the lifecycle driver sees the order now
    t.lifecycle.advanceWallClockTime(TIMEOUT - 1);
    expect(t.chains.isEmpty()).toBe(true);
    t.lifecycle.advanceWallClockTime(1);
    const chain = t.chains.readValue();
    expect(chain?.status).toBe('timedOut');
    expect(types(chain?.events)).toEqual(['ORDER_PLACED']);
  });
});

describe('lane router', () => {
  it('puts every service-published event on the lane of its priority, key unchanged', async () => {
    const f = await exampleFixture();
    const driver = new TopologyTestDriver(
      laneRouterTopology(f.topics, f.serdes).build({ applicationId: 'tm-lanes-test' }),
    );
    const input = (
      family: 'OrderEvent' | 'MarketDataEvent' | 'AgentEvent' | 'SystemEvent' | 'NotificationEvent',
    ) => driver.createInputTopic(f.topics.domain[family], f.serdes.key, f.serdes.events);
    input('OrderEvent').pipeInput('AAPL', sampleEvent('ORDER_REJECTED_CRITICAL'));
    input('OrderEvent').pipeInput('AAPL', sampleEvent('ORDER_PLACED'));
    input('MarketDataEvent').pipeInput('MSFT', sampleEvent('PRICE_UPDATE', { header: { symbol: 'MSFT' } }));
    input('AgentEvent').pipeInput('agent-momentum-01', sampleEvent('TASK_COMPLETION'));
    input('SystemEvent').pipeInput('order-gateway', sampleEvent('SERVICE_HEALTH_CHECK'));
    input('NotificationEvent').pipeInput('u-7f3a9c', sampleEvent('USER_NOTIFICATION'));
    const lane = (p: 'CRITICAL' | 'HIGH' | 'STANDARD' | 'BACKGROUND') =>
      driver
        .createOutputTopic(f.topics.lanes[p], f.serdes.key, f.serdes.events)
        .readRecordsToList()
        .map((r) => [r.key, r.value?.header.eventType]);
    expect(lane('CRITICAL')).toEqual([['AAPL', 'ORDER_REJECTED_CRITICAL']]);
    expect(lane('HIGH')).toEqual([
      ['AAPL', 'ORDER_PLACED'],
      ['MSFT', 'PRICE_UPDATE'],
    ]);
    expect(lane('STANDARD')).toEqual([['agent-momentum-01', 'TASK_COMPLETION']]);
    expect(lane('BACKGROUND')).toEqual([
      ['order-gateway', 'SERVICE_HEALTH_CHECK'],
      ['u-7f3a9c', 'USER_NOTIFICATION'],
    ]);
  });
});
