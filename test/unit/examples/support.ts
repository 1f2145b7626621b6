// Shared fixtures of the example tests: the real Avro serdes on an in-memory registry, the demo
// topics (optionally prefixed), and events built the way the services build them.
import { AccountDirectory } from '../../../examples/accounts.js';
import { newEvent, uuidFrom } from '../../../examples/events.js';
import { priceUpdateOf } from '../../../examples/services/market-data-feed.js';
import { type DemoTopics, demoTopics } from '../../../examples/topics.js';
import { type DemoSerdes, demoSerdes } from '../../../examples/topologies/index.js';
import { type EventOf, InMemorySchemaRegistry, price, quantity } from '../../../schemas/index.js';

export interface ExampleFixture {
  readonly topics: DemoTopics;
  readonly serdes: DemoSerdes;
  readonly directory: AccountDirectory;
}

export async function exampleFixture(prefix = ''): Promise<ExampleFixture> {
  const topics = demoTopics(prefix);
  return {
    topics,
    serdes: await demoSerdes(new InMemorySchemaRegistry(), topics),
    directory: new AccountDirectory(),
  };
}

/** A final fill of a whole order (its own chain unless `chain` is given). */
export function fillOf(
  accountId: string,
  symbol: string,
  side: 'BUY' | 'SELL',
  qty: number,
  px: number,
  chain = `${accountId}-${symbol}-${side}-${qty}-${px}`,
): EventOf<'ORDER_FILLED'> {
  return newEvent(
    'ORDER_FILLED',
    symbol,
    {
      orderId: `ORD-${chain}`,
      accountId,
      side,
      fillId: `EXE-${chain}`,
      fillQuantity: quantity(qty),
      fillPrice: price(px),
      cumulativeQuantity: quantity(qty),
      averagePrice: price(px),
      commission: '1.0000',
      currency: 'USD',
      liquidity: 'TAKER',
      venue: 'XNAS',
      filledAt: Date.UTC(2025, 0, 1),
    },
    {
      source: 'order-gateway',
      timestamp: Date.UTC(2025, 0, 1),
      eventId: uuidFrom(`${chain}/fill`),
      derivedFrom: { eventId: uuidFrom(`${chain}/placed`), correlationId: `chain-${chain}` },
    },
  );
}

export const priceOf = (symbol: string, last: number) => priceUpdateOf(symbol, last, Date.UTC(2025, 0, 1));
