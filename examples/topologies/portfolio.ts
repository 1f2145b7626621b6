// The portfolio service as a topology: fills joined with the latest price of their symbol →
// each account's positions with average cost and realized PnL → after every fill a POSITION_UPDATE
// for the symbol traded and a PNL_CHANGE for the account, keyed by the account's user (the
// catalog's partition key of PortfolioEvents), on the portfolio topic and the STANDARD lane.
// Both continue the fill's correlation chain: ORDER_PLACED → ORDER_FILLED → POSITION_UPDATE → PNL_CHANGE.

import { type EventOf, money, price, quantity } from '../../schemas/index.js';
import { Serdes, TopologyBuilder } from '../../topology/index.js';
import type { AccountDirectory } from '../accounts.js';
import { derivedId, newEvent } from '../events.js';
import type { DemoTopics } from '../topics.js';
import { toLanes } from './lane-router.js';
import {
  applyFill,
  type Book,
  emptyBook,
  holdingPnl,
  isFill,
  type PricedFill,
  priceFill,
  unrealizedPnl,
} from './positions.js';
import type { DemoSerdes } from './serdes.js';

/** The portfolio state per account. */
export interface AccountPortfolio {
  readonly book: Book;
  /** UTC day (YYYY-MM-DD) of the last fill, and the total PnL when that day started. */
  readonly day: string;
  readonly dayStartPnl: number;
}

const SOURCE = 'portfolio-service';
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const totalPnl = (book: Book) => book.realizedPnl + unrealizedPnl(book);

export const noPortfolio = (): AccountPortfolio => ({ book: emptyBook(), day: '', dayStartPnl: 0 });

/** Books a fill; the first fill of a new day resets the daily change's baseline. */
export function bookFill(_accountId: string, fill: PricedFill, state: AccountPortfolio): AccountPortfolio {
  const day = utcDay(fill.timestamp);
  const dayStartPnl = day === state.day ? state.dayStartPnl : totalPnl(state.book);
  return { book: applyFill(state.book, fill), day, dayStartPnl };
}

/** The POSITION_UPDATE and PNL_CHANGE of the last fill. */
export function portfolioEvents(
  state: AccountPortfolio,
  userId: string,
): [EventOf<'POSITION_UPDATE'>, EventOf<'PNL_CHANGE'>] | [] {
  const fill = state.book.lastFill;
  const held = fill ? state.book.holdings[fill.symbol] : undefined;
  if (!fill || !held) return [];
  const envelope = (kind: string) => ({
    source: SOURCE,
    timestamp: fill.timestamp,
    eventId: derivedId(fill, kind),
    derivedFrom: fill,
  });
  const unrealized = unrealizedPnl(state.book);
  const total = state.book.realizedPnl + unrealized;
  return [
    newEvent(
      'POSITION_UPDATE',
      userId,
      {
        accountId: fill.accountId,
        symbol: fill.symbol,
        quantity: quantity(held.quantity),
        averageCost: price(held.averageCost),
        marketPrice: price(held.marketPrice),
        marketValue: money(held.quantity * held.marketPrice),
        unrealizedPnl: money(holdingPnl(held)),
        currency: 'USD',
      },
      envelope('POSITION_UPDATE'),
    ),
    newEvent(
      'PNL_CHANGE',
      userId,
      {
        accountId: fill.accountId,
        currency: 'USD',
        realizedPnl: money(state.book.realizedPnl),
        unrealizedPnl: money(unrealized),
        totalPnl: money(total),
        dailyChange: money(total - state.dayStartPnl),
        asOf: fill.timestamp,
      },
      envelope('PNL_CHANGE'),
    ),
  ];
}

/**
 * orders (fills) ⋈ latest prices → positions per account (store `portfolio-positions`) →
 * POSITION_UPDATE + PNL_CHANGE on the portfolio topic and the lanes.
 *
 * @example
 * const plan = portfolioTopology(topics, serdes, new AccountDirectory()).build({ applicationId: 'tm-portfolio' });
 */
export function portfolioTopology(
  topics: DemoTopics,
  serdes: DemoSerdes,
  directory: AccountDirectory,
): TopologyBuilder {
  const builder = new TopologyBuilder();
  const { key } = serdes;
  const prices = builder.table(topics.prices, {
    key,
    value: serdes.prices,
    name: 'prices',
    store: 'portfolio-prices',
  });
  const updates = builder
    .stream(topics.domain.OrderEvent, { key, value: serdes.orders, name: 'orders' })
    .filter(isFill, { name: 'fills' })
    .join(prices, priceFill, { name: 'price-fills', valueSerde: Serdes.json<PricedFill>() })
    .groupBy((f) => f.accountId, { name: 'fills-by-account', key })
    .aggregate(noPortfolio, bookFill, {
      name: 'portfolio-positions',
      store: 'portfolio-positions',
      valueSerde: Serdes.json<AccountPortfolio>(),
    })
    .toStream({ name: 'portfolio-changes' })
    .flatMap(
      (accountId, state) => {
        const userId = directory.userOf(accountId);
        return portfolioEvents(state, userId).map((value) => ({ key: userId, value }));
      },
      { name: 'portfolio-events', keySerde: key, valueSerde: serdes.portfolio },
    );
  updates.to(topics.domain.PortfolioEvent, { name: 'portfolio-out' });
  toLanes(updates, topics.lanes, serdes.events, 'portfolio-to-lanes');
  return builder;
}
