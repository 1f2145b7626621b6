// The portfolio topology through the test driver with the real Avro serdes: positions and PnL per
// account from fills joined with the latest prices, keyed by the account's user.
import { describe, expect, it } from 'vitest';
import {
  applyFill,
  emptyBook,
  type PricedFill,
  portfolioTopology,
} from '../../../examples/topologies/index.js';
import { TopologyTestDriver } from '../../../runtime/testing/index.js';
import { isEvent } from '../../../schemas/index.js';
import { type ExampleFixture, exampleFixture, fillOf, priceOf } from './support.js';

const ACC = 'ACC-100234'; // user u-7f3a9c

function setup(f: ExampleFixture) {
  const plan = portfolioTopology(f.topics, f.serdes, f.directory).build({
    applicationId: 'tm-portfolio-test',
  });
  const driver = new TopologyTestDriver(plan);
  return {
    driver,
    prices: driver.createInputTopic(f.topics.prices, f.serdes.key, f.serdes.prices),
    orders: driver.createInputTopic(f.topics.domain.OrderEvent, f.serdes.key, f.serdes.orders),
    standard: driver.createOutputTopic(f.topics.lanes.STANDARD, f.serdes.key, f.serdes.events),
    portfolio: driver.createOutputTopic(f.topics.domain.PortfolioEvent, f.serdes.key, f.serdes.portfolio),
  };
}

describe('portfolio topology (test driver, Avro serdes)', () => {
  it('marks positions to the latest price and reports realized and unrealized PnL per account', async () => {
    const t = setup(await exampleFixture());
    t.prices.pipeInput('AAPL', priceOf('AAPL', 190));
    const buy = fillOf(ACC, 'AAPL', 'BUY', 100, 189.5, 'b1');
    t.orders.pipeInput('AAPL', buy);

    const [position, pnl] = t.portfolio.readRecordsToList();
    expect(position?.key).toBe('u-7f3a9c');
    expect(position?.value?.header).toMatchObject({
      eventType: 'POSITION_UPDATE',
      userId: 'u-7f3a9c',
      correlationId: buy.header.correlationId,
      causationId: buy.header.eventId,
    });
    expect(position?.value?.payload).toMatchObject({
      accountId: ACC,
      symbol: 'AAPL',
      quantity: '100.00000000',
      averageCost: '189.50000000',
      marketPrice: '190.00000000',
      marketValue: '19000.0000',
      unrealizedPnl: '50.0000',
    });
    expect(pnl?.value && isEvent(pnl.value, 'PNL_CHANGE') && pnl.value.payload).toMatchObject({
      realizedPnl: '0.0000',
      unrealizedPnl: '50.0000',
      totalPnl: '50.0000',
      dailyChange: '50.0000',
    });

    // The price moves; selling 40 at 192 realizes 40 × (192 − 189.5) and marks the rest at 192.
    t.prices.pipeInput('AAPL', priceOf('AAPL', 192));
    t.orders.pipeInput('AAPL', fillOf(ACC, 'AAPL', 'SELL', 40, 192, 's1'));
    const [, pnl2] = t.portfolio.readValuesToList();
    expect(pnl2?.payload).toMatchObject({
      realizedPnl: '100.0000',
      unrealizedPnl: '150.0000',
      totalPnl: '250.0000',
    });
    // Every portfolio event also travels on the STANDARD lane, in order.
    expect(t.standard.readValuesToList().map((e) => e?.header.eventType)).toEqual([
      'POSITION_UPDATE',
      'PNL_CHANGE',
      'POSITION_UPDATE',
      'PNL_CHANGE',
    ]);
  });

  it('keeps separate books per account and symbol', async () => {
    const t = setup(await exampleFixture());
    t.prices.pipeInput('MSFT', priceOf('MSFT', 400));
    t.prices.pipeInput('NVDA', priceOf('NVDA', 120));
    t.orders.pipeInput('MSFT', fillOf(ACC, 'MSFT', 'BUY', 10, 400));
    t.orders.pipeInput('NVDA', fillOf('ACC-100871', 'NVDA', 'SELL', 50, 120));
    const keys = t.portfolio.readRecordsToList().map((r) => [r.key, r.value?.header.eventType]);
    expect(keys).toEqual([
      ['u-7f3a9c', 'POSITION_UPDATE'],
      ['u-7f3a9c', 'PNL_CHANGE'],
      ['u-2b81d4', 'POSITION_UPDATE'],
      ['u-2b81d4', 'PNL_CHANGE'],
    ]);
    const store = t.driver.getKeyValueStore<
      string,
      { book: { holdings: Record<string, { quantity: number }> } }
    >('portfolio-positions');
    expect(store.get('ACC-100871')?.book.holdings.NVDA?.quantity).toBe(-50);
  });
});

describe('average-cost accounting', () => {
  const fill = (side: 'BUY' | 'SELL', quantity: number, price: number): PricedFill => ({
    accountId: 'A',
    symbol: 'X',
    side,
    quantity,
    price,
    marketPrice: price,
    orderId: 'o',
    eventId: 'e',
    correlationId: 'c',
    timestamp: 0,
  });

  it('averages buys, realizes against the average on sells, and re-opens at the fill price when flipping', () => {
    let book = applyFill(emptyBook(), fill('BUY', 100, 10));
    book = applyFill(book, fill('BUY', 100, 12));
    expect(book.holdings.X).toMatchObject({ quantity: 200, averageCost: 11 });
    book = applyFill(book, fill('SELL', 50, 13));
    expect(book.realizedPnl).toBe(100);
    expect(book.holdings.X).toMatchObject({ quantity: 150, averageCost: 11 });
    book = applyFill(book, fill('SELL', 200, 9));
    expect(book.realizedPnl).toBe(100 + 150 * -2);
    expect(book.holdings.X).toMatchObject({ quantity: -50, averageCost: 9 });
    book = applyFill(book, fill('BUY', 50, 8));
    expect(book.realizedPnl).toBe(-200 + 50);
    expect(book.holdings.X).toMatchObject({ quantity: 0, averageCost: 0 });
  });
});
