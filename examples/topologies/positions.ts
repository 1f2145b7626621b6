// Position keeping shared by the risk and portfolio topologies: a fill joined with the latest
// market price of its symbol, and an account's book of holdings updated by it with average-cost
// accounting (buying into a position raises its average cost; selling out of it realizes PnL
// against that cost; crossing through zero opens the remainder at the fill price). Pure functions
// over plain JSON values, because they run inside aggregations whose state is a JSON store.

import { type EventOf, type FamilyValue, isEvent, isEventOneOf } from '../../schemas/index.js';

/** A fill event: partial fills move positions just like final ones. */
export type FillEvent = EventOf<'ORDER_FILLED'> | EventOf<'ORDER_PARTIAL_FILL'>;

/** A fill with the market price of its symbol when it was processed. */
export interface PricedFill {
  readonly accountId: string;
  readonly symbol: string;
  readonly side: 'BUY' | 'SELL';
  readonly quantity: number;
  readonly price: number;
  readonly marketPrice: number;
  readonly orderId: string;
  /** Envelope of the fill event: derived events continue its chain. */
  readonly eventId: string;
  readonly correlationId: string;
  readonly timestamp: number;
}

/** One symbol held by an account. `quantity` is signed (negative = short). */
export interface Holding {
  readonly quantity: number;
  readonly averageCost: number;
  readonly marketPrice: number;
}

/** An account's positions. */
export interface Book {
  readonly accountId: string;
  readonly holdings: Readonly<Record<string, Holding>>;
  /** PnL realized by reducing positions, since the book started. */
  readonly realizedPnl: number;
  /** The fill that last changed the book. */
  readonly lastFill: PricedFill | null;
}

export const isFill = (e: FamilyValue<'OrderEvent'>): e is FillEvent =>
  isEventOneOf(e, ['ORDER_FILLED', 'ORDER_PARTIAL_FILL']);

/** The join of a fill with the prices table (the table holds PRICE_UPDATEs). */
export function priceFill(fill: FillEvent, market: FamilyValue<'MarketDataEvent'>): PricedFill {
  const p = fill.payload;
  const price = Number(p.fillPrice);
  return {
    accountId: p.accountId,
    symbol: fill.header.symbol,
    side: p.side,
    quantity: Number(p.fillQuantity),
    price,
    marketPrice: isEvent(market, 'PRICE_UPDATE') ? Number(market.payload.last) : price,
    orderId: p.orderId,
    eventId: fill.header.eventId,
    correlationId: fill.header.correlationId,
    timestamp: Number(fill.header.timestamp),
  };
}

export const emptyBook = (): Book => ({ accountId: '', holdings: {}, realizedPnl: 0, lastFill: null });

/** The book after `fill`: average cost, realized PnL, and the symbol marked to market. */
export function applyFill(book: Book, fill: PricedFill): Book {
  const signed = fill.side === 'BUY' ? fill.quantity : -fill.quantity;
  const held = book.holdings[fill.symbol] ?? { quantity: 0, averageCost: 0, marketPrice: fill.marketPrice };
  const q = held.quantity;
  const next = q + signed;
  let averageCost = held.averageCost;
  let realized = 0;
  if (q === 0 || Math.sign(q) === Math.sign(signed)) {
    averageCost = (q * held.averageCost + signed * fill.price) / next;
  } else {
    const closed = Math.min(Math.abs(signed), Math.abs(q));
    realized = closed * (fill.price - held.averageCost) * Math.sign(q);
    if (next === 0) averageCost = 0;
    else if (Math.sign(next) !== Math.sign(q)) averageCost = fill.price; // flipped: the rest is new
  }
  return {
    accountId: fill.accountId,
    holdings: {
      ...book.holdings,
      [fill.symbol]: { quantity: next, averageCost, marketPrice: fill.marketPrice },
    },
    realizedPnl: book.realizedPnl + realized,
    lastFill: fill,
  };
}

/** Σ |quantity| × market price over the holdings. */
export function grossExposure(book: Book): number {
  return Object.values(book.holdings).reduce((sum, h) => sum + Math.abs(h.quantity) * h.marketPrice, 0);
}

/** Unrealized PnL of one holding. */
export function holdingPnl(h: Holding): number {
  return h.quantity * (h.marketPrice - h.averageCost);
}

/** Unrealized PnL over the holdings. */
export function unrealizedPnl(book: Book): number {
  return Object.values(book.holdings).reduce((sum, h) => sum + holdingPnl(h), 0);
}
