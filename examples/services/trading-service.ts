// The trading service: places orders for the demo accounts at a configurable rate and walks each
// accepted order through its lifecycle in real time — partial fills, a fill, or a cancel, a few
// hundred milliseconds apart — publishing every step with `causedBy` the previous one, so each
// order is one correlation chain (ORDER_PLACED → ORDER_PARTIAL_FILL → ORDER_FILLED) that the
// topologies extend with POSITION_UPDATE, PNL_CHANGE and risk alerts. Orders failing the
// pre-trade check are rejected at once with ORDER_REJECTED_CRITICAL.

import { type Logger, silentLogger } from '../../core/logger.js';
import type { TradeMasterEvent } from '../../schemas/index.js';
import { DEMO_ACCOUNTS, type DemoAccount } from '../accounts.js';
import type { EventSink } from '../sinks/event-sink.js';
import type { Quote } from './market-data-feed.js';
import {
  type OrderState,
  orderCancelled,
  orderCancelledBySystem,
  orderFill,
  orderPlaced,
  orderRejected,
} from './order-events.js';
import {
  type DeskPositions,
  type LifecycleStep,
  nextIntent,
  planLifecycle,
  preTradeCheck,
} from './order-flow.js';
import { RateBudget, type RateOptions, ServiceLoop } from './pacing.js';
import { SeededRandom } from './random.js';

export interface TradingServiceOptions {
  readonly sink: EventSink;
  /** Symbols to trade (the market-data feed must quote them). */
  readonly symbols: readonly string[];
  /** Current quote of a symbol (fills happen at the touch). */
  readonly quote: (symbol: string) => Quote;
  /** New orders per second. @example { ratePerSecond: 5 } */
  readonly rate: RateOptions;
  /** @default DEMO_ACCOUNTS */
  readonly accounts?: readonly DemoAccount[];
  /** Delay between two steps of one order, ms (uniform in the range). @default [150, 900] */
  readonly stepDelayMs?: readonly [number, number];
  /** @default Date.now() */
  readonly seed?: number;
  /** @default 50 */
  readonly tickMs?: number;
  readonly logger?: Logger;
}

interface OpenOrder {
  readonly state: OrderState;
  readonly steps: LifecycleStep[];
  /** The last published event of the order: the cause of the next one. */
  last: TradeMasterEvent;
  dueAt: number;
}

/**
 * @example
 * const trading = new TradingService({ sink, symbols: feed.symbols, quote: (s) => feed.quote(s), rate: { ratePerSecond: 5 } });
 * trading.start();
 */
export class TradingService {
  readonly stats = { placed: 0, rejected: 0, fills: 0, cancelled: 0, published: 0 };
  private readonly random: SeededRandom;
  private readonly accounts: readonly DemoAccount[];
  private readonly positions: DeskPositions = new Map();
  private readonly open = new Set<OpenOrder>();
  private readonly loop: ServiceLoop;
  private budget: RateBudget | undefined;
  private nextOrderId: number;
  private nextFillId: number;

  constructor(private readonly options: TradingServiceOptions) {
    this.random = new SeededRandom(options.seed);
    this.accounts = options.accounts ?? DEMO_ACCOUNTS;
    this.nextOrderId = this.random.int(10_000_000, 80_000_000);
    this.nextFillId = this.random.int(1_000_000, 9_000_000);
    this.loop = new ServiceLoop(
      'trading-service',
      options.tickMs ?? 50,
      (now) => this.tick(now),
      options.logger ?? silentLogger(),
    );
  }

  /** Orders still working. */
  get openOrders(): number {
    return this.open.size;
  }

  start(): void {
    this.budget = new RateBudget(this.options.rate, Date.now());
    this.loop.start();
  }

  /** Stops placing and advancing orders (working orders stay open). */
  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Places one order; resolves with its first event (ORDER_PLACED or ORDER_REJECTED_CRITICAL). */
  async placeOrder(now = Date.now()): Promise<TradeMasterEvent> {
    const quote = this.options.quote;
    const intent = nextIntent(this.random, this.accounts, this.options.symbols, this.positions, quote);
    const state: OrderState = {
      orderId: `ORD-${this.nextOrderId++}`,
      intent,
      venue: 'XNAS',
      filled: 0,
      filledNotional: 0,
    };
    const rejection = preTradeCheck(this.random, intent, this.positions, quote);
    if (rejection) {
      this.stats.rejected++;
      return this.publish(orderRejected(state, rejection, now));
    }
    const placed = await this.publish(orderPlaced(state, `web-${this.random.hex(6)}`, now));
    this.stats.placed++;
    this.open.add({
      state,
      steps: planLifecycle(this.random, intent.quantity),
      last: placed,
      dueAt: this.later(now),
    });
    return placed;
  }

  /** Publishes the next step of every order due at `now`. */
  async advance(now = Date.now()): Promise<void> {
    const due = [...this.open].filter((o) => o.dueAt <= now);
    await Promise.all(due.map((o) => this.step(o, now)));
  }

  /** Runs orders to completion without waiting between steps (tests and tools). */
  async drain(): Promise<void> {
    while (this.open.size > 0) await this.advance(Number.POSITIVE_INFINITY);
  }

  private async tick(now: number): Promise<void> {
    const n = this.budget?.take(now) ?? 0;
    const placing = Array.from({ length: n }, () => this.placeOrder(now));
    await Promise.all([...placing, this.advance(now)]);
  }

  private async step(order: OpenOrder, at: number): Promise<void> {
    const step = order.steps.shift();
    if (!step) {
      this.open.delete(order);
      return;
    }
    const now = Number.isFinite(at) ? at : Date.now();
    const { state } = order;
    let event: TradeMasterEvent;
    if (step.kind === 'partial' || step.kind === 'fill') {
      const px = this.fillPrice(state);
      event = orderFill(state, step.quantity, px, `EXE-${this.nextFillId++}`, step.kind === 'fill', now);
      this.book(state, step.quantity);
      this.stats.fills++;
    } else {
      event =
        step.kind === 'cancel'
          ? orderCancelled(state, now)
          : orderCancelledBySystem(state, step.trigger, now);
      this.stats.cancelled++;
    }
    if (order.steps.length === 0) this.open.delete(order);
    order.dueAt = this.later(now);
    order.last = await this.publish(event, order.last);
  }

  /** At the touch, never worse than a limit order's limit. */
  private fillPrice(state: OrderState): number {
    const { side, symbol, limitPrice } = state.intent;
    const q = this.options.quote(symbol);
    const touch = side === 'BUY' ? q.ask : q.bid;
    if (limitPrice === null) return touch;
    return side === 'BUY' ? Math.min(touch, limitPrice) : Math.max(touch, limitPrice);
  }

  private book(state: OrderState, qty: number): void {
    const { account, symbol, side } = state.intent;
    let held = this.positions.get(account.accountId);
    if (!held) {
      held = new Map();
      this.positions.set(account.accountId, held);
    }
    held.set(symbol, (held.get(symbol) ?? 0) + (side === 'BUY' ? qty : -qty));
  }

  private later(now: number): number {
    const [min, max] = this.options.stepDelayMs ?? [150, 900];
    return now + this.random.between(min, max);
  }

  private async publish(event: TradeMasterEvent, causedBy?: TradeMasterEvent): Promise<TradeMasterEvent> {
    const written = await this.options.sink.publish(event, causedBy ? { causedBy } : {});
    this.stats.published++;
    return written.event;
  }
}
