// The trading desk's decisions, kept apart from timing and publishing: which account trades what,
// how much, which way (accounts lean back towards flat, the aggressive one leans into risk until
// far past its limit), the pre-trade check that rejects an order outright, and how each accepted
// order's lifecycle will unfold (partial fills, then a fill, a client cancel or a system cancel).

import type { DemoAccount } from '../accounts.js';
import type { Quote } from './market-data-feed.js';
import type { SeededRandom } from './random.js';

export type Side = 'BUY' | 'SELL';

/** A new order the desk wants to send. */
export interface OrderIntent {
  readonly account: DemoAccount;
  readonly symbol: string;
  readonly side: Side;
  readonly quantity: number;
  readonly orderType: 'MARKET' | 'LIMIT';
  /** Marketable limit a few cents through the quote; null for market orders. */
  readonly limitPrice: number | null;
}

/** One later step of an accepted order. */
export type LifecycleStep =
  | { readonly kind: 'partial'; readonly quantity: number }
  | { readonly kind: 'fill'; readonly quantity: number }
  | { readonly kind: 'cancel' }
  | { readonly kind: 'systemCancel'; readonly trigger: 'CIRCUIT_BREAKER' | 'EXCHANGE_HALT' };

/** Why an order is refused before it reaches the market. */
export interface Rejection {
  readonly code: 'RISK_LIMIT' | 'INSUFFICIENT_MARGIN' | 'VENUE_REJECT';
  readonly reason: string;
}

/** Positions the desk holds per account and symbol (signed shares), from its own fills. */
export type DeskPositions = Map<string, Map<string, number>>;

/** Orders past this multiple of the exposure limit are refused before they reach the market. */
export const HARD_LIMIT_MULTIPLE = 2;

export function positionOf(book: DeskPositions, accountId: string, symbol: string): number {
  return book.get(accountId)?.get(symbol) ?? 0;
}

export function grossExposure(book: DeskPositions, accountId: string, quote: (s: string) => Quote): number {
  let total = 0;
  for (const [symbol, qty] of book.get(accountId) ?? []) total += Math.abs(qty) * quote(symbol).last;
  return total;
}

/** Picks an account, symbol, side and size. */
export function nextIntent(
  random: SeededRandom,
  accounts: readonly DemoAccount[],
  symbols: readonly string[],
  book: DeskPositions,
  quote: (symbol: string) => Quote,
): OrderIntent {
  // The aggressive account trades more often, so its limit is reached early in a demo.
  const account = random.weighted(accounts.map((a) => [a, a.style === 'aggressive' ? 3 : 1] as const));
  const symbol = random.pick(symbols);
  const q = quote(symbol);
  const held = positionOf(book, account.accountId, symbol);
  let side: Side;
  let shares: number;
  if (account.style === 'aggressive') {
    const exposure = grossExposure(book, account.accountId, quote);
    // Grow the position until well past the limit, then mostly work it down again.
    const grow = random.chance(exposure < 1.4 * account.exposureLimit ? 0.85 : 0.25);
    const long = held >= 0;
    side = grow === long ? 'BUY' : 'SELL';
    shares = Math.max(1, Math.round((account.exposureLimit * random.between(0.15, 0.35)) / q.last));
  } else {
    // Lean back towards flat the larger the position is against the account's position limit.
    const tilt = Math.tanh((2 * held) / account.positionLimit);
    side = random.chance(0.5 - 0.4 * tilt) ? 'BUY' : 'SELL';
    const lots = account.style === 'momentum' ? random.int(2, 20) : random.int(1, 10);
    shares = 100 * lots;
  }
  const market = random.chance(0.3);
  const through = side === 'BUY' ? q.ask + 0.05 : Math.max(0.01, q.bid - 0.05);
  return {
    account,
    symbol,
    side,
    quantity: shares,
    orderType: market ? 'MARKET' : 'LIMIT',
    limitPrice: market ? null : Math.round(through * 100) / 100,
  };
}

/** The pre-trade check: a hard exposure cap, plus the odd venue or margin refusal. */
export function preTradeCheck(
  random: SeededRandom,
  intent: OrderIntent,
  book: DeskPositions,
  quote: (symbol: string) => Quote,
): Rejection | undefined {
  const { account, symbol, side, quantity } = intent;
  const px = quote(symbol).last;
  const held = positionOf(book, account.accountId, symbol);
  const after = held + (side === 'BUY' ? quantity : -quantity);
  const exposureAfter =
    grossExposure(book, account.accountId, quote) + (Math.abs(after) - Math.abs(held)) * px;
  const cap = HARD_LIMIT_MULTIPLE * account.exposureLimit;
  if (exposureAfter > cap) {
    return {
      code: 'RISK_LIMIT',
      reason: `gross exposure would reach ${exposureAfter.toFixed(2)} USD, above the hard limit of ${cap.toFixed(2)} USD`,
    };
  }
  if (random.chance(0.015)) {
    return { code: 'INSUFFICIENT_MARGIN', reason: 'order would exceed available margin' };
  }
  if (random.chance(0.01)) return { code: 'VENUE_REJECT', reason: 'venue rejected the order: price band' };
  return undefined;
}

/** How an accepted order of `quantity` shares will unfold. */
export function planLifecycle(random: SeededRandom, quantity: number): LifecycleStep[] {
  const outcome = random.weighted([
    ['fill', 80],
    ['cancel', 15],
    ['systemCancel', 5],
  ] as const);
  const steps: LifecycleStep[] = [];
  let left = quantity;
  const partials = outcome === 'fill' ? random.int(0, 2) : random.int(0, 1);
  for (let i = 0; i < partials && left > 1; i++) {
    const part = Math.max(1, Math.floor(left * random.between(0.2, 0.5)));
    steps.push({ kind: 'partial', quantity: part });
    left -= part;
  }
  if (outcome === 'fill') steps.push({ kind: 'fill', quantity: left });
  else if (outcome === 'cancel') steps.push({ kind: 'cancel' });
  else
    steps.push({ kind: 'systemCancel', trigger: random.chance(0.5) ? 'CIRCUIT_BREAKER' : 'EXCHANGE_HALT' });
  return steps;
}
