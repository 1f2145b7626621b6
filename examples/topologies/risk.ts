// The risk engine: fills joined with the latest price of their symbol → each account's positions
// → limit checks, raised as CRITICAL RiskEvents on the risk domain topic and the CRITICAL lane.
//
//   RISK_LIMIT_BREACH        a fill that grows gross exposure past the account's limit
//   POSITION_LIMIT_EXCEEDED  a fill that grows one symbol's position past the position limit
//   MARGIN_CALL              equity (capital + PnL) falls below maintenance margin (once per episode)
//   STOP_LOSS_TRIGGERED      a position's market price crosses its stop (once until it is closed)
//
// Alerts are decided inside the aggregation, where the previous state is at hand ("grows past",
// "once per episode"), and carried out of it with the new state; a flatMap turns them into events.
// Each alert continues the fill's chain and gets an id derived from the fill, so a fill processed
// twice (at-least-once) raises the same alert id twice and clients keep one.

import { type FamilyValue, money, quantity, ratio, price as toPrice } from '../../schemas/index.js';
import { Serdes, TopologyBuilder } from '../../topology/index.js';
import type { AccountDirectory } from '../accounts.js';
import { derivedId, newEvent } from '../events.js';
import type { DemoTopics } from '../topics.js';
import { toLanes } from './lane-router.js';
import {
  applyFill,
  type Book,
  emptyBook,
  grossExposure,
  isFill,
  type PricedFill,
  priceFill,
  unrealizedPnl,
} from './positions.js';
import type { DemoSerdes } from './serdes.js';

/** Risk parameters that are the same for every account. */
export interface RiskPolicy {
  /** Maintenance margin as a share of gross exposure. @default 0.25 */
  readonly maintenanceMarginRate?: number;
  /** Loss from average cost that triggers a position's stop. @default 0.015 */
  readonly stopLossPct?: number;
}

/** What one fill raised. */
export type RiskAlert =
  | { readonly kind: 'RISK_LIMIT_BREACH'; readonly exposure: number; readonly limit: number }
  | { readonly kind: 'POSITION_LIMIT_EXCEEDED'; readonly position: number; readonly limit: number }
  | { readonly kind: 'MARGIN_CALL'; readonly equity: number; readonly maintenance: number }
  | {
      readonly kind: 'STOP_LOSS_TRIGGERED';
      readonly position: number;
      readonly stopPrice: number;
      readonly triggerPrice: number;
    };

/** The risk engine's state per account. */
export interface AccountRisk {
  readonly book: Book;
  /** In a margin call until equity is back above maintenance. */
  readonly marginCall: boolean;
  /** Symbols whose stop fired, until the position is closed or flipped. */
  readonly stopped: Readonly<Record<string, boolean>>;
  /** Alerts the last fill raised. */
  readonly alerts: readonly RiskAlert[];
}

const SOURCE = 'risk-engine';
const DAY = 86_400_000;

const noRisk = (): AccountRisk => ({ book: emptyBook(), marginCall: false, stopped: {}, alerts: [] });

/** The risk checks of one fill, as an aggregation step. */
export function assessFill(
  directory: AccountDirectory,
  policy: RiskPolicy,
): (accountId: string, fill: PricedFill, state: AccountRisk) => AccountRisk {
  const maintenanceRate = policy.maintenanceMarginRate ?? 0.25;
  const stopPct = policy.stopLossPct ?? 0.015;
  return (accountId, fill, state) => {
    const account = directory.get(accountId);
    const before = state.book;
    const book = applyFill(before, fill);
    const alerts: RiskAlert[] = [];
    const exposure = grossExposure(book);
    if (exposure > account.exposureLimit && exposure > grossExposure(before)) {
      alerts.push({ kind: 'RISK_LIMIT_BREACH', exposure, limit: account.exposureLimit });
    }
    const held = book.holdings[fill.symbol] ?? { quantity: 0, averageCost: 0, marketPrice: fill.marketPrice };
    const heldBefore = before.holdings[fill.symbol]?.quantity ?? 0;
    if (Math.abs(held.quantity) > account.positionLimit && Math.abs(held.quantity) > Math.abs(heldBefore)) {
      alerts.push({ kind: 'POSITION_LIMIT_EXCEEDED', position: held.quantity, limit: account.positionLimit });
    }
    const equity = account.capital + book.realizedPnl + unrealizedPnl(book);
    const maintenance = maintenanceRate * exposure;
    const short = equity < maintenance;
    if (short && !state.marginCall) alerts.push({ kind: 'MARGIN_CALL', equity, maintenance });
    const stopped = { ...state.stopped };
    // A closed, flipped or newly opened position gets a fresh stop.
    if (held.quantity === 0 || Math.sign(held.quantity) !== Math.sign(heldBefore))
      delete stopped[fill.symbol];
    if (held.quantity !== 0 && !stopped[fill.symbol]) {
      const long = held.quantity > 0;
      const stopPrice = held.averageCost * (long ? 1 - stopPct : 1 + stopPct);
      if (long ? fill.marketPrice <= stopPrice : fill.marketPrice >= stopPrice) {
        alerts.push({
          kind: 'STOP_LOSS_TRIGGERED',
          position: held.quantity,
          stopPrice,
          triggerPrice: fill.marketPrice,
        });
        stopped[fill.symbol] = true;
      }
    }
    return { book, marginCall: short, stopped, alerts };
  };
}

/** The RiskEvent of an alert raised by `fill`. */
export function riskEvent(alert: RiskAlert, fill: PricedFill, userId: string): FamilyValue<'RiskEvent'> {
  const opts = {
    source: SOURCE,
    timestamp: fill.timestamp,
    eventId: derivedId(fill, alert.kind),
    derivedFrom: fill,
  };
  const key = fill.accountId;
  switch (alert.kind) {
    case 'RISK_LIMIT_BREACH':
      return newEvent(
        'RISK_LIMIT_BREACH',
        key,
        {
          limitId: `LIM-GROSS-EXP-${key}`,
          limitType: 'GROSS_EXPOSURE',
          userId,
          symbol: fill.symbol,
          limitValue: money(alert.limit),
          currentValue: money(alert.exposure),
          utilization: ratio(alert.exposure / alert.limit),
          currency: 'USD',
          action: alert.exposure > 2 * alert.limit ? 'REDUCE_ONLY' : 'BLOCK_NEW_ORDERS',
          detectedAt: fill.timestamp,
        },
        opts,
      );
    case 'POSITION_LIMIT_EXCEEDED':
      return newEvent(
        'POSITION_LIMIT_EXCEEDED',
        key,
        {
          userId,
          symbol: fill.symbol,
          side: fill.side,
          positionQuantity: quantity(Math.abs(alert.position)),
          limitQuantity: quantity(alert.limit),
          orderId: fill.orderId,
          action: 'BLOCK_NEW_ORDERS',
        },
        opts,
      );
    case 'MARGIN_CALL':
      return newEvent(
        'MARGIN_CALL',
        key,
        {
          marginCallId: `MC-${key}-${opts.eventId.slice(0, 8)}`,
          userId,
          currency: 'USD',
          equity: money(alert.equity),
          maintenanceMargin: money(alert.maintenance),
          deficit: money(alert.maintenance - alert.equity),
          marginLevel: ratio(alert.maintenance === 0 ? 0 : alert.equity / alert.maintenance),
          dueBy: fill.timestamp + DAY,
          action: 'REDUCE_ONLY',
        },
        opts,
      );
    case 'STOP_LOSS_TRIGGERED':
      return newEvent(
        'STOP_LOSS_TRIGGERED',
        key,
        {
          userId,
          orderId: `STP-${fill.orderId}`,
          symbol: fill.symbol,
          side: alert.position > 0 ? 'SELL' : 'BUY',
          quantity: quantity(Math.abs(alert.position)),
          stopPrice: toPrice(alert.stopPrice),
          triggerPrice: toPrice(alert.triggerPrice),
          triggeredAt: fill.timestamp,
        },
        opts,
      );
  }
}

/**
 * orders (fills) ⋈ latest prices → positions per account (store `account-risk`) → RiskEvents on
 * the risk topic and the CRITICAL lane.
 *
 * @example
 * const plan = riskTopology(topics, serdes, new AccountDirectory()).build({ applicationId: 'tm-risk' });
 */
export function riskTopology(
  topics: DemoTopics,
  serdes: DemoSerdes,
  directory: AccountDirectory,
  policy: RiskPolicy = {},
): TopologyBuilder {
  const builder = new TopologyBuilder();
  const { key } = serdes;
  const prices = builder.table(topics.prices, {
    key,
    value: serdes.prices,
    name: 'prices',
    store: 'risk-prices',
  });
  const alerts = builder
    .stream(topics.domain.OrderEvent, { key, value: serdes.orders, name: 'orders' })
    .filter(isFill, { name: 'fills' })
    .join(prices, priceFill, { name: 'price-fills', valueSerde: Serdes.json<PricedFill>() })
    .groupBy((f) => f.accountId, { name: 'fills-by-account', key })
    .aggregate(noRisk, assessFill(directory, policy), {
      name: 'account-risk',
      store: 'account-risk',
      valueSerde: Serdes.json<AccountRisk>(),
    })
    .toStream({ name: 'risk-changes' })
    .flatMap(
      (accountId, state) =>
        state.book.lastFill === null
          ? []
          : state.alerts.map((a) => ({
              key: accountId,
              value: riskEvent(a, state.book.lastFill as PricedFill, directory.userOf(accountId)),
            })),
      { name: 'risk-alerts', keySerde: key, valueSerde: serdes.risk },
    );
  alerts.to(topics.domain.RiskEvent, { name: 'risk-out' });
  toLanes(alerts, topics.lanes, serdes.events, 'risk-to-lanes');
  return builder;
}
