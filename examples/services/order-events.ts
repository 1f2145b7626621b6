// The OrderEvent payloads of an order's lifecycle, built from the order's state: placement, fills
// (cumulative quantity and average price kept consistent across partial fills), client and system
// cancels, and critical rejections. Keyed by symbol, as the catalog partitions orders.

import { type EventOf, money, price, quantity } from '../../schemas/index.js';
import { newEvent } from '../events.js';
import type { OrderIntent, Rejection, Side } from './order-flow.js';

const SOURCE = 'order-gateway';

/** An order as the desk tracks it. */
export interface OrderState {
  readonly orderId: string;
  readonly intent: OrderIntent;
  readonly venue: string;
  filled: number;
  /** Σ fill quantity × fill price, for the average price. */
  filledNotional: number;
}

const avg = (o: OrderState) => (o.filled === 0 ? 0 : o.filledNotional / o.filled);
const limit = (i: OrderIntent) => (i.limitPrice === null ? null : price(i.limitPrice));

export function orderPlaced(o: OrderState, clientOrderId: string, now: number): EventOf<'ORDER_PLACED'> {
  const i = o.intent;
  return newEvent(
    'ORDER_PLACED',
    i.symbol,
    {
      orderId: o.orderId,
      clientOrderId,
      accountId: i.account.accountId,
      userId: i.account.userId,
      side: i.side,
      orderType: i.orderType,
      timeInForce: 'DAY',
      quantity: quantity(i.quantity),
      limitPrice: limit(i),
      stopPrice: null,
      venue: o.venue,
      placedAt: now,
    },
    { source: SOURCE, timestamp: now },
  );
}

export function orderRejected(
  o: OrderState,
  why: Rejection,
  now: number,
): EventOf<'ORDER_REJECTED_CRITICAL'> {
  const i = o.intent;
  return newEvent(
    'ORDER_REJECTED_CRITICAL',
    i.symbol,
    {
      orderId: o.orderId,
      accountId: i.account.accountId,
      side: i.side,
      quantity: quantity(i.quantity),
      limitPrice: limit(i),
      rejectCode: why.code,
      reason: why.reason,
      rejectedAt: now,
    },
    { source: SOURCE, timestamp: now },
  );
}

/** Books a fill of `qty` at `px` on the order and returns the partial-fill or fill event. */
export function orderFill(
  o: OrderState,
  qty: number,
  px: number,
  fillId: string,
  final: boolean,
  now: number,
): EventOf<'ORDER_PARTIAL_FILL'> | EventOf<'ORDER_FILLED'> {
  o.filled += qty;
  o.filledNotional += qty * px;
  const i = o.intent;
  const common = {
    orderId: o.orderId,
    accountId: i.account.accountId,
    side: i.side as Side,
    fillId,
    fillQuantity: quantity(qty),
    fillPrice: price(px),
    cumulativeQuantity: quantity(o.filled),
    averagePrice: price(avg(o)),
    venue: o.venue,
    filledAt: now,
  };
  if (!final) {
    return newEvent(
      'ORDER_PARTIAL_FILL',
      i.symbol,
      { ...common, remainingQuantity: quantity(i.quantity - o.filled) },
      { source: SOURCE, timestamp: now },
    );
  }
  return newEvent(
    'ORDER_FILLED',
    i.symbol,
    {
      ...common,
      // 0.5 cent a share, at least one dollar: a typical retail-broker schedule.
      commission: money(Math.max(1, 0.005 * qty)),
      currency: 'USD',
      liquidity: i.orderType === 'LIMIT' && o.filled % 2 === 0 ? 'MAKER' : 'TAKER',
    },
    { source: SOURCE, timestamp: now },
  );
}

export function orderCancelled(o: OrderState, now: number): EventOf<'ORDER_CANCELLED'> {
  const i = o.intent;
  return newEvent(
    'ORDER_CANCELLED',
    i.symbol,
    {
      orderId: o.orderId,
      accountId: i.account.accountId,
      side: i.side,
      cancelledQuantity: quantity(i.quantity - o.filled),
      filledQuantity: quantity(o.filled),
      requestedBy: i.account.userId,
      cancelledAt: now,
    },
    { source: SOURCE, timestamp: now },
  );
}

export function orderCancelledBySystem(
  o: OrderState,
  trigger: 'CIRCUIT_BREAKER' | 'EXCHANGE_HALT',
  now: number,
): EventOf<'ORDER_CANCELLED_SYSTEM'> {
  const i = o.intent;
  const reason =
    trigger === 'CIRCUIT_BREAKER'
      ? `market-wide circuit breaker halted trading in ${i.symbol}`
      : `${o.venue} halted ${i.symbol} pending news`;
  return newEvent(
    'ORDER_CANCELLED_SYSTEM',
    i.symbol,
    {
      orderId: o.orderId,
      accountId: i.account.accountId,
      side: i.side,
      cancelledQuantity: quantity(i.quantity - o.filled),
      filledQuantity: quantity(o.filled),
      trigger,
      reason,
      cancelledAt: now,
    },
    { source: SOURCE, timestamp: now },
  );
}
