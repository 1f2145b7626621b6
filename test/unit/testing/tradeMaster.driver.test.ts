import { beforeEach, describe, expect, it } from 'vitest';
import { ProcessingError, SerdeError } from '../../../core/errors.js';
import { TopologyTestDriver } from '../../../runtime/testing/index.js';
import { laneTopic } from '../../../schemas/catalog.js';
import type { TradeMasterEvent } from '../../../schemas/events.js';
import { price, quantity, sampleEvent } from '../../../schemas/samples.js';
import { Serdes, type TopologyPlan } from '../../../topology/index.js';
import {
  type AccountPositions,
  CHAIN_TIMEOUT_MS,
  type EnrichedFill,
  type LifecycleChain,
  type TradeMasterSerdes,
  tradeMasterSerdes,
  tradeMasterTopology,
  uuidFrom,
} from './tradeMasterTopology.js';

const APP = 'tm-positions';
let s: TradeMasterSerdes;
let plan: TopologyPlan;

const placed = (cid: string, qty: number) =>
  sampleEvent('ORDER_PLACED', {
    header: { correlationId: cid, eventId: uuidFrom(`${cid}-placed`) },
    payload: { quantity: quantity(qty) },
  });
const filled = (cid: string, qty: number, px: string, symbol = 'AAPL') =>
  sampleEvent('ORDER_FILLED', {
    header: { correlationId: cid, eventId: uuidFrom(`${cid}-filled`), symbol },
    payload: { fillQuantity: quantity(qty), cumulativeQuantity: quantity(qty), fillPrice: price(px) },
  });
const priceUpdate = (symbol: string, last: string) =>
  sampleEvent('PRICE_UPDATE', { header: { symbol }, payload: { last: price(last) } });
const pnlChange = (cid: string) =>
  sampleEvent('PNL_CHANGE', { header: { correlationId: cid, eventId: uuidFrom(`${cid}-pnl`) } });

function setup(partitions = 1) {
  const driver = new TopologyTestDriver(plan, { partitions });
  return {
    driver,
    orders: driver.createInputTopic('tm.orders', s.key, s.orders),
    prices: driver.createInputTopic('tm.prices', s.key, s.prices),
    portfolio: driver.createInputTopic('tm.portfolio', s.key, s.portfolio),
    enriched: driver.createOutputTopic('tm.fills-enriched', s.key, Serdes.json<EnrichedFill>()),
    critical: driver.createOutputTopic(laneTopic('CRITICAL'), s.key, s.events),
    high: driver.createOutputTopic(laneTopic('HIGH'), s.key, s.events),
    standard: driver.createOutputTopic(laneTopic('STANDARD'), s.key, s.events),
    chains: driver.createOutputTopic('tm.order-chains', Serdes.string(), Serdes.json<LifecycleChain>()),
  };
}

const types = (events: readonly (TradeMasterEvent | null)[]) => events.map((e) => e?.header.eventType);

beforeEach(async () => {
  s = await tradeMasterSerdes();
  plan = tradeMasterTopology(s).build({ applicationId: APP });
});

describe('TradeMaster topology through the test driver (real Avro serdes)', () => {
  it('enriches fills with the latest price, keeps positions, and raises a CRITICAL risk breach', () => {
    const t = setup();
    t.prices.pipeInput('AAPL', priceUpdate('AAPL', '189.00'));
    t.prices.pipeInput('AAPL', priceUpdate('AAPL', '190.00'));
    t.orders.pipeInput('AAPL', placed('c1', 6000));
    t.orders.pipeInput('AAPL', filled('c1', 6000, '189.27'));

    expect(t.enriched.readKeyValuesToList()).toEqual([
      {
        key: 'AAPL',
        value: {
          accountId: 'ACC-100234',
          symbol: 'AAPL',
          side: 'BUY',
          quantity: 6000,
          fillPrice: 189.27,
          marketPrice: 190,
          correlationId: 'c1',
          fillEventId: uuidFrom('c1-filled'),
        },
      },
    ]);
    expect(types(t.high.readValuesToList())).toEqual(['ORDER_PLACED', 'ORDER_FILLED']);

    const [update] = t.standard.readValuesToList();
    expect(update?.header).toMatchObject({
      eventType: 'POSITION_UPDATE',
      correlationId: 'c1',
      causationId: uuidFrom('c1-filled'),
    });
    expect(update?.payload).toMatchObject({
      symbol: 'AAPL',
      quantity: '6000.00000000',
      marketPrice: '190.00000000',
    });

    const breaches = t.critical.readRecordsToList();
    expect(breaches).toHaveLength(1);
    const breach = breaches[0]?.value;
    expect(breaches[0]?.key).toBe('ACC-100234');
    expect(breach?.header).toMatchObject({
      eventType: 'RISK_LIMIT_BREACH',
      priority: 'CRITICAL',
      correlationId: 'c1',
    });
    expect(breach?.payload).toMatchObject({
      limitType: 'GROSS_EXPOSURE',
      currentValue: '1140000.0000',
      utilization: '1.140000',
    });

    const positions = t.driver.getKeyValueStore<string, AccountPositions>('positions').get('ACC-100234');
    expect(positions?.exposure).toBe(1_140_000);
    expect(t.driver.getKeyValueStore<string, unknown>('latest-prices').size).toBe(1);
  });

  it('drops fills of symbols without a price (inner join) and stays below the limit without a breach', () => {
    const t = setup();
    t.orders.pipeInput('MSFT', filled('c2', 10, '410.00', 'MSFT'));
    expect(t.enriched.isEmpty()).toBe(true);
    t.prices.pipeInput('MSFT', priceUpdate('MSFT', '411.00'));
    t.orders.pipeInput('MSFT', filled('c3', 10, '410.50', 'MSFT'));
    expect(t.enriched.readValue()?.marketPrice).toBe(411);
    expect(t.critical.isEmpty()).toBe(true);
    expect(types(t.standard.readValuesToList())).toEqual(['POSITION_UPDATE']);
  });

  it('correlates an order lifecycle into a chain completed by PNL_CHANGE', () => {
    const t = setup();
    t.prices.pipeInput('AAPL', priceUpdate('AAPL', '190.00'));
    t.orders.pipeInput('AAPL', placed('c1', 6000));
    t.orders.pipeInput('AAPL', filled('c1', 6000, '189.27'));
    expect(t.chains.isEmpty()).toBe(true);
    t.portfolio.pipeInput('u-7f3a9c', pnlChange('c1'));

    const [chain] = t.chains.readKeyValuesToList();
    expect(chain?.key).toBe('c1');
    expect(chain?.value?.status).toBe('completed');
    expect(new Set(types(chain?.value?.events ?? []))).toEqual(
      new Set(['ORDER_PLACED', 'ORDER_FILLED', 'POSITION_UPDATE', 'RISK_LIMIT_BREACH', 'PNL_CHANGE']),
    );
    expect(types(chain?.value?.events ?? []).at(0)).toBe('ORDER_PLACED');
    expect(types(chain?.value?.events ?? []).at(-1)).toBe('PNL_CHANGE');
    // the derived events are caused by the fill
    const derived = (chain?.value?.events ?? []).filter(
      (e) => e.header.causationId === uuidFrom('c1-filled'),
    );
    expect(types(derived).sort()).toEqual(['POSITION_UPDATE', 'RISK_LIMIT_BREACH']);
  });

  it('closes a chain by inactivity on wall-clock time with no further input', () => {
    const t = setup();
    const start = t.driver.clock.now();
    t.prices.pipeInput('AAPL', priceUpdate('AAPL', '190.00'));
    t.orders.pipeInput('AAPL', placed('c9', 10));
    t.orders.pipeInput('AAPL', filled('c9', 10, '189.90'));
    t.driver.advanceWallClockTime(CHAIN_TIMEOUT_MS - 1);
    expect(t.chains.isEmpty()).toBe(true);
    t.driver.advanceWallClockTime(1);
    const record = t.chains.readRecord();
    expect(record.key).toBe('c9');
    expect(record.value?.status).toBe('timedOut');
    expect(record.value?.closedAt).toBe(start + CHAIN_TIMEOUT_MS);
    expect(record.timestamp).toBe(start + CHAIN_TIMEOUT_MS);
    expect(types(record.value?.events ?? []).sort()).toEqual([
      'ORDER_FILLED',
      'ORDER_PLACED',
      'POSITION_UPDATE',
    ]);
    expect(t.driver.getKeyValueStore('order-lifecycle-store').size).toBe(0);
    t.driver.advanceWallClockTime(10 * CHAIN_TIMEOUT_MS);
    expect(t.chains.isEmpty()).toBe(true);
  });

  it('partitions by murmur2 across 4 partitions and still meets fills and prices in one task', () => {
    const t = setup(4);
    for (const [symbol, px] of [
      ['AAPL', '190.00'],
      ['MSFT', '411.00'],
      ['NVDA', '120.00'],
      ['TSLA', '250.00'],
    ] as const) {
      t.prices.pipeInput(symbol, priceUpdate(symbol, px));
      t.orders.pipeInput(symbol, filled(`c-${symbol}`, 100, px, symbol));
    }
    const enriched = t.enriched.readRecordsToList();
    expect(enriched.map((r) => [r.key, r.value?.marketPrice])).toEqual([
      ['AAPL', 190],
      ['MSFT', 411],
      ['NVDA', 120],
      ['TSLA', 250],
    ]);
    expect(new Set(enriched.map((r) => r.partition)).size).toBeGreaterThan(1);
    const positions = t.driver.getKeyValueStore<string, AccountPositions>('positions').get('ACC-100234');
    expect(positions?.exposure).toBe(100 * (190 + 411 + 120 + 250));
  });

  it('writes store changes to changelog topics that restore an equal store', () => {
    const t = setup();
    t.prices.pipeInput('AAPL', priceUpdate('AAPL', '190.00'));
    t.orders.pipeInput('AAPL', filled('c1', 5, '190.00'));
    t.orders.pipeInput('AAPL', filled('c2', 5, '190.00'));
    const changelog = `${APP}-positions-changelog`;
    expect(plan.internalTopics.find((x) => x.name === changelog)?.config).toEqual({
      'cleanup.policy': 'compact',
    });
    const log = t.driver.broker.fetch(changelog, 0, 0);
    expect(log).toHaveLength(2);
    const last = JSON.parse(log[1]?.value?.toString() ?? 'null') as AccountPositions;
    expect(last.symbols.AAPL?.quantity).toBe(10);
  });

  it('reports undecodable bytes as a SerdeError naming the source, and keeps running', () => {
    const t = setup();
    t.driver.broker.produce({ topic: 'tm.orders', key: Buffer.from('AAPL'), value: Buffer.from('not avro') });
    expect(() => t.orders.pipeInput('AAPL', placed('c1', 1))).toThrow(SerdeError);
    const [error] = t.driver.errors;
    expect(error?.context).toMatchObject({ stage: 'orders', topic: 'tm.orders', partition: 0, offset: 0 });
    expect(types(t.high.readValuesToList())).toEqual(['ORDER_PLACED']);
  });
});

describe('stage failures through the driver', () => {
  it('a throwing stage yields a ProcessingError naming it; the task re-wires and state survives', async () => {
    s = await tradeMasterSerdes();
    const builder = tradeMasterTopology(s);
    const boom = builder
      .stream('tm.audit', { key: Serdes.string(), value: Serdes.json<{ n: number }>(), name: 'audit' })
      .mapValues(
        (v) => {
          if (v.n < 0) throw new Error('negative audit value');
          return v;
        },
        { name: 'check-audit' },
      );
    boom.groupByKey().count({ name: 'audit-count', store: 'audit-count' });
    const driver = new TopologyTestDriver(builder.build({ applicationId: APP }), { onError: 'continue' });
    const audit = driver.createInputTopic('tm.audit', Serdes.string(), Serdes.json<{ n: number }>());
    audit.pipeInput('a', { n: 1 });
    audit.pipeInput('a', { n: -1 });
    audit.pipeInput('a', { n: 2 });
    expect(driver.errors).toHaveLength(1);
    expect(driver.errors[0]).toBeInstanceOf(ProcessingError);
    expect(driver.errors[0]?.message).toBe('user code threw: negative audit value (stage check-audit)');
    expect(driver.errors[0]?.context).toMatchObject({
      stage: 'check-audit',
      topic: 'tm.audit',
      partition: 0,
      offset: 1,
    });
    expect(driver.getKeyValueStore<string, number>('audit-count').get('a')).toBe(2);
  });
});
