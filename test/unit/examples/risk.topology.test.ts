// The risk topology through the test driver with the real Avro serdes: fills joined with prices
// build positions, and crossing a limit raises CRITICAL RiskEvents on the CRITICAL lane and the
// risk topic, continuing the fill's correlation chain.
import { describe, expect, it } from 'vitest';
import { riskTopology } from '../../../examples/topologies/index.js';
import { TopologyTestDriver } from '../../../runtime/testing/index.js';
import { isEvent, type TradeMasterEvent } from '../../../schemas/index.js';
import { type ExampleFixture, exampleFixture, fillOf, priceOf } from './support.js';

// ACC-101442: capital 80,000, exposure limit 250,000, position limit 2,500 (examples/accounts.ts).
const ACC = 'ACC-101442';

function setup(f: ExampleFixture, partitions = 1) {
  const plan = riskTopology(f.topics, f.serdes, f.directory).build({ applicationId: 'tm-risk-test' });
  const driver = new TopologyTestDriver(plan, { partitions });
  return {
    driver,
    prices: driver.createInputTopic(f.topics.prices, f.serdes.key, f.serdes.prices),
    orders: driver.createInputTopic(f.topics.domain.OrderEvent, f.serdes.key, f.serdes.orders),
    critical: driver.createOutputTopic(f.topics.lanes.CRITICAL, f.serdes.key, f.serdes.events),
    standard: driver.createOutputTopic(f.topics.lanes.STANDARD, f.serdes.key, f.serdes.events),
    risk: driver.createOutputTopic(f.topics.domain.RiskEvent, f.serdes.key, f.serdes.risk),
  };
}

const types = (events: readonly (TradeMasterEvent | null)[]) => events.map((e) => e?.header.eventType);

describe('risk topology (test driver, Avro serdes)', () => {
  it('raises a RISK_LIMIT_BREACH on the CRITICAL lane when a fill takes exposure past the limit', async () => {
    const t = setup(await exampleFixture());
    t.prices.pipeInput('AAPL', priceOf('AAPL', 190));
    t.orders.pipeInput('AAPL', fillOf(ACC, 'AAPL', 'BUY', 1000, 189.9, 'o1'));
    expect(t.critical.isEmpty()).toBe(true); // 190,000 < 250,000

    const over = fillOf(ACC, 'AAPL', 'BUY', 500, 190.05, 'o2');
    t.orders.pipeInput('AAPL', over);
    const [record] = t.critical.readRecordsToList();
    expect(record?.key).toBe(ACC);
    const breach = record?.value;
    expect(breach && isEvent(breach, 'RISK_LIMIT_BREACH')).toBe(true);
    expect(breach?.header).toMatchObject({
      priority: 'CRITICAL',
      accountId: ACC,
      source: 'risk-engine',
      correlationId: over.header.correlationId,
      causationId: over.header.eventId,
    });
    expect(breach?.payload).toMatchObject({
      limitType: 'GROSS_EXPOSURE',
      userId: 'u-91c6e0',
      symbol: 'AAPL',
      limitValue: '250000.0000',
      currentValue: '285000.0000',
      utilization: '1.140000',
      action: 'BLOCK_NEW_ORDERS',
    });
    // The same event on the risk domain topic (history), and nothing on other lanes.
    expect(types(t.risk.readValuesToList())).toEqual(['RISK_LIMIT_BREACH']);
    expect(t.standard.isEmpty()).toBe(true);
    expect(
      t.driver.getKeyValueStore<string, { book: { holdings: object } }>('account-risk').get(ACC),
    ).toBeDefined();
  });

  it('raises a margin call once per episode and a stop loss when the price falls through the stop', async () => {
    const t = setup(await exampleFixture());
    t.prices.pipeInput('AAPL', priceOf('AAPL', 190));
    t.orders.pipeInput('AAPL', fillOf(ACC, 'AAPL', 'BUY', 1700, 190, 'o1'));
    // 323,000 exposure: breach, and maintenance 80,750 > equity 80,000 → margin call
    expect(types(t.critical.readValuesToList())).toEqual(['RISK_LIMIT_BREACH', 'MARGIN_CALL']);

    t.prices.pipeInput('AAPL', priceOf('AAPL', 186));
    const sell = fillOf(ACC, 'AAPL', 'SELL', 1, 186, 'o2');
    t.orders.pipeInput('AAPL', sell);
    const alerts = t.critical.readValuesToList();
    // Exposure fell (no breach), still in the margin call (no second call), stop at 187.15 crossed.
    expect(types(alerts)).toEqual(['STOP_LOSS_TRIGGERED']);
    expect(alerts[0]?.payload).toMatchObject({
      symbol: 'AAPL',
      side: 'SELL',
      quantity: '1699.00000000',
      stopPrice: '187.15000000',
      triggerPrice: '186.00000000',
    });
    // The stop fires once while the position stays open.
    t.orders.pipeInput('AAPL', fillOf(ACC, 'AAPL', 'SELL', 1, 185.9, 'o3'));
    expect(t.critical.isEmpty()).toBe(true);
  });

  it('writes prefixed lane topics through routeByPriority when the demo runs under a prefix', async () => {
    const f = await exampleFixture('t1.');
    const t = setup(f, 3);
    expect(t.driver.plan.sinkTopics).toEqual(
      expect.arrayContaining(['t1.tm.lane.critical', 't1.tm.lane.background', 't1.tm.risk']),
    );
    for (const symbol of ['AAPL', 'MSFT', 'NVDA']) t.prices.pipeInput(symbol, priceOf(symbol, 100));
    for (const symbol of ['AAPL', 'MSFT', 'NVDA'])
      t.orders.pipeInput(symbol, fillOf(ACC, symbol, 'BUY', 900, 100));
    // 270,000 after the third fill: one breach, keyed by account, on the prefixed CRITICAL lane
    expect(types(t.critical.readValuesToList())).toEqual(['RISK_LIMIT_BREACH']);
  });

  it('drops fills of symbols without a price (inner join with the prices table)', async () => {
    const t = setup(await exampleFixture());
    t.orders.pipeInput('MSFT', fillOf(ACC, 'MSFT', 'BUY', 2000, 411));
    expect(t.critical.isEmpty()).toBe(true);
    expect(t.driver.getKeyValueStore('account-risk').size).toBe(0);
  });
});
