// One symbol's simulated market: the price process (mean-reverting random walk in log space on a
// one-cent tick), the quote around it, the exchange sequence number, and the running minute bar
// trades add to — and the catalog event of each kind built from that state.

import { createHash } from 'node:crypto';
import { type EventOf, money, price, quantity } from '../../schemas/index.js';
import { newEvent } from '../events.js';
import type { SeededRandom } from './random.js';

/** An instrument: its symbol, opening price and listing venue. */
export interface SymbolSpec {
  /** @example 'AAPL' */
  readonly symbol: string;
  /** Opening price, USD. @example 189.27 */
  readonly price: number;
  /** MIC of the listing venue. @default 'XNAS' */
  readonly venue?: string;
}

export type MarketEventKind = 'PRICE_UPDATE' | 'ORDER_BOOK_CHANGE' | 'TRADE_EXECUTION' | 'VOLUME_UPDATE';

const SOURCE = 'market-data-feed';
/** Pull towards the opening price per update: keeps hours-long demos within a sane range. */
const MEAN_REVERSION = 0.002;
const cents = (x: number) => Math.max(0.01, Math.round(x * 100) / 100);

/** A symbol given by name gets a stable pseudo-random opening price between 20 and 500 USD. */
export function specOf(symbol: string | SymbolSpec): SymbolSpec {
  if (typeof symbol !== 'string') return symbol;
  const h = createHash('sha1').update(symbol).digest().readUInt32BE(0);
  return { symbol, price: 20 + (h % 48_000) / 100, venue: 'XNAS' };
}

export class SymbolBook {
  last: number;
  bid: number;
  ask: number;
  private sequence: number;
  private bar: { start: number; volume: number; notional: number; trades: number };

  constructor(
    readonly spec: SymbolSpec,
    private readonly random: SeededRandom,
    private readonly volatility: number,
  ) {
    this.last = cents(spec.price);
    this.bid = cents(this.last - 0.01);
    this.ask = cents(this.last + 0.01);
    this.sequence = random.int(1_000_000, 50_000_000);
    this.bar = { start: Date.now(), volume: 0, notional: 0, trades: 0 };
  }

  get venue(): string {
    return this.spec.venue ?? 'XNAS';
  }

  /** The next event of `kind`, moving the book. */
  next(kind: MarketEventKind, now: number): EventOf<MarketEventKind> {
    switch (kind) {
      case 'PRICE_UPDATE':
        this.move();
        return this.priceUpdate(now);
      case 'ORDER_BOOK_CHANGE':
        return this.bookChange(now);
      case 'TRADE_EXECUTION':
        return this.trade(now);
      case 'VOLUME_UPDATE':
        return this.volumeBar(now);
    }
  }

  priceUpdate(now: number): EventOf<'PRICE_UPDATE'> {
    return newEvent(
      'PRICE_UPDATE',
      this.spec.symbol,
      {
        venue: this.venue,
        bid: price(this.bid.toFixed(2)),
        bidSize: quantity(100 * this.random.int(1, 20)),
        ask: price(this.ask.toFixed(2)),
        askSize: quantity(100 * this.random.int(1, 20)),
        last: price(this.last.toFixed(2)),
        sequence: this.sequence++,
        exchangeTime: now - this.random.int(0, 2),
      },
      { source: SOURCE, timestamp: now },
    );
  }

  private move(): void {
    const pull = MEAN_REVERSION * Math.log(this.spec.price / this.last);
    this.last = cents(this.last * Math.exp(pull + this.volatility * this.random.normal()));
    const spread = Math.max(0.01, cents(this.last * 0.0001 * this.random.between(1, 3)));
    this.bid = cents(this.last - spread / 2);
    this.ask = cents(Math.max(this.bid + 0.01, this.last + spread / 2));
  }

  private bookChange(now: number): EventOf<'ORDER_BOOK_CHANGE'> {
    const snapshot = this.random.chance(0.05);
    const depth = snapshot ? 5 : this.random.int(1, 3);
    const level = (px: number) => {
      const empty = !snapshot && this.random.chance(0.15); // a level emptied out
      return {
        price: price(px.toFixed(2)),
        quantity: quantity(empty ? 0 : 100 * this.random.int(1, 40)),
        orderCount: empty ? 0 : this.random.int(1, 12),
      };
    };
    const levels = (from: number, step: number) =>
      Array.from({ length: depth }, (_, i) => level(cents(from + step * i)));
    return newEvent(
      'ORDER_BOOK_CHANGE',
      this.spec.symbol,
      {
        venue: this.venue,
        sequence: this.sequence++,
        changeType: snapshot ? 'SNAPSHOT' : 'INCREMENTAL',
        bids: levels(this.bid, -0.01),
        asks: levels(this.ask, 0.01),
      },
      { source: SOURCE, timestamp: now },
    );
  }

  private trade(now: number): EventOf<'TRADE_EXECUTION'> {
    const aggressorSide = this.random.chance(0.5) ? 'BUY' : 'SELL';
    const px = aggressorSide === 'BUY' ? this.ask : this.bid;
    const qty = this.random.chance(0.2) ? this.random.int(1, 99) : 100 * this.random.int(1, 10);
    this.bar.volume += qty;
    this.bar.notional += qty * px;
    this.bar.trades++;
    return newEvent(
      'TRADE_EXECUTION',
      this.spec.symbol,
      {
        tradeId: `${this.venue}-T-${this.sequence++}`,
        venue: this.venue,
        price: price(px.toFixed(2)),
        quantity: quantity(qty),
        aggressorSide,
        executedAt: now,
      },
      { source: SOURCE, timestamp: now },
    );
  }

  /** The bar since the previous VOLUME_UPDATE; starts the next one. */
  private volumeBar(now: number): EventOf<'VOLUME_UPDATE'> {
    const { start, volume, notional, trades } = this.bar;
    this.bar = { start: now, volume: 0, notional: 0, trades: 0 };
    return newEvent(
      'VOLUME_UPDATE',
      this.spec.symbol,
      {
        intervalStart: start,
        intervalEnd: now,
        volume: quantity(volume),
        notional: money(notional.toFixed(4)),
        vwap: price((volume > 0 ? notional / volume : this.last).toFixed(4)),
        tradeCount: trades,
      },
      { source: SOURCE, timestamp: now },
    );
  }
}
