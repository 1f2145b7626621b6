// The market-data feed: a simulated consolidated feed for a configurable set of symbols. Prices
// follow a mean-reverting random walk in log space (so a long demo neither drifts to zero nor
// explodes), quoted with a spread of a few basis points on a one-cent tick; around them the feed
// publishes order-book changes, trades (which build up each minute's volume) and volume bars.
// Bursts multiply the rate for a moment, the way the open or a headline does.

import type { Logger } from '../../core/logger.js';
import { type EventOf, price, quantity } from '../../schemas/index.js';
import { newEvent } from '../events.js';
import type { EventSink } from '../sinks/event-sink.js';
import { PacedProducer } from './paced-producer.js';
import type { RateOptions } from './pacing.js';
import { SeededRandom } from './random.js';
import { type MarketEventKind, SymbolBook, type SymbolSpec, specOf } from './symbol-book.js';

export type { SymbolSpec };

/** Instruments of the demo with realistic opening prices. */
export const DEFAULT_SYMBOLS: readonly SymbolSpec[] = [
  { symbol: 'AAPL', price: 189.27, venue: 'XNAS' },
  { symbol: 'MSFT', price: 411.2, venue: 'XNAS' },
  { symbol: 'NVDA', price: 120.45, venue: 'XNAS' },
  { symbol: 'TSLA', price: 250.1, venue: 'XNAS' },
  { symbol: 'AMZN', price: 178.3, venue: 'XNAS' },
  { symbol: 'JPM', price: 198.6, venue: 'XNYS' },
];

/** The current top of book of a symbol. */
export interface Quote {
  readonly symbol: string;
  readonly bid: number;
  readonly ask: number;
  readonly last: number;
}

export interface MarketDataFeedOptions {
  readonly sink: EventSink;
  /** Symbols (a name alone gets a price derived from it). @default DEFAULT_SYMBOLS */
  readonly symbols?: readonly (string | SymbolSpec)[];
  /** Events per second over all symbols and types. @example { ratePerSecond: 200 } */
  readonly rate: RateOptions;
  /** Standard deviation of one price update's log return. @default 0.0006 */
  readonly volatility?: number;
  /** @default Date.now() */
  readonly seed?: number;
  /** @default 50 */
  readonly tickMs?: number;
  readonly logger?: Logger;
}

const MIX: readonly (readonly [MarketEventKind, number])[] = [
  ['PRICE_UPDATE', 50],
  ['ORDER_BOOK_CHANGE', 25],
  ['TRADE_EXECUTION', 20],
  ['VOLUME_UPDATE', 5],
];

/**
 * @example
 * const feed = new MarketDataFeed({ sink, rate: { ratePerSecond: 200 } });
 * await feed.start();           // a PRICE_UPDATE per symbol first, then the flow
 * feed.quote('AAPL').ask;
 * await feed.stop();
 */
export class MarketDataFeed {
  private readonly books: Map<string, SymbolBook>;
  private readonly random: SeededRandom;
  private readonly producer: PacedProducer;

  constructor(private readonly options: MarketDataFeedOptions) {
    this.random = new SeededRandom(options.seed);
    const volatility = options.volatility ?? 0.0006;
    this.books = new Map(
      (options.symbols ?? DEFAULT_SYMBOLS).map((s) => {
        const spec = specOf(s);
        return [spec.symbol, new SymbolBook(spec, this.random, volatility)];
      }),
    );
    const books = [...this.books.values()];
    this.producer = new PacedProducer(
      'market-data-feed',
      { sink: options.sink, rate: options.rate, tickMs: options.tickMs ?? 50, logger: options.logger },
      (now) => this.random.pick(books).next(this.random.weighted(MIX), now),
    );
  }

  /** Events published and failed. */
  get stats(): { readonly published: number; readonly failed: number } {
    return this.producer.stats;
  }

  get symbols(): string[] {
    return [...this.books.keys()];
  }

  /** The symbol's current quote. */
  quote(symbol: string): Quote {
    const book = this.books.get(symbol);
    if (!book)
      throw new RangeError(`the feed does not quote '${symbol}' (symbols: ${this.symbols.join(', ')})`);
    return { symbol, bid: book.bid, ask: book.ask, last: book.last };
  }

  /** Publishes the snapshot, then the flow at the configured rate. */
  async start(): Promise<void> {
    await this.publishSnapshot();
    this.producer.start();
  }

  async stop(): Promise<void> {
    await this.producer.stop();
  }

  /** One PRICE_UPDATE per symbol: what a joining price table needs before the first order. */
  async publishSnapshot(now = Date.now()): Promise<void> {
    await Promise.all([...this.books.values()].map((b) => this.options.sink.publish(b.priceUpdate(now))));
    this.producer.stats.published += this.books.size;
  }

  /** Publishes `n` events of the configured mix (bursts aside), each moving its symbol's book. */
  publishNext(n: number, now = Date.now()): Promise<void> {
    return this.producer.publishNext(n, now);
  }
}

/** A PRICE_UPDATE for tests and tools that need one price without a running feed. */
export function priceUpdateOf(symbol: string, last: number, now = Date.now()): EventOf<'PRICE_UPDATE'> {
  return newEvent(
    'PRICE_UPDATE',
    symbol,
    {
      venue: 'XNAS',
      bid: price((last - 0.01).toFixed(2)),
      bidSize: quantity(100),
      ask: price((last + 0.01).toFixed(2)),
      askSize: quantity(100),
      last: price(last.toFixed(4)),
      sequence: 1,
      exchangeTime: now,
    },
    { source: 'market-data-feed', timestamp: now },
  );
}
