// The realistic TradeMaster topology the driver tests run, on the real Avro serdes of schemas/
// (with an in-memory schema registry): orders and prices → fills enriched with the latest price →
// positions per account → a RISK_LIMIT_BREACH on the CRITICAL lane when exposure passes the
// limit; every event on its priority lane; and each order's lifecycle correlated into a chain.

import { createHash } from 'node:crypto';
import type { Serde } from '../../../core/record.js';
import type { CorrelatedChain } from '../../../processors/correlate.js';
import { laneTopic } from '../../../schemas/catalog.js';
import { createEventSerde, type EventSerde } from '../../../schemas/event-serde.js';
import { type EventOf, type FamilyValue, isEvent, type TradeMasterEvent } from '../../../schemas/events.js';
import { InMemorySchemaRegistry } from '../../../schemas/memory-registry.js';
import { money, price, quantity, ratio } from '../../../schemas/samples.js';
import { type AvroSerde, familySerde } from '../../../schemas/serde.js';
import { Serdes, TopologyBuilder } from '../../../topology/index.js';

export const EXPOSURE_LIMIT = 1_000_000;
export const CHAIN_TIMEOUT_MS = 30_000;

export interface TradeMasterSerdes {
  readonly registry: InMemorySchemaRegistry;
  readonly key: Serde<string>;
  readonly orders: AvroSerde<FamilyValue<'OrderEvent'>>;
  readonly prices: AvroSerde<FamilyValue<'MarketDataEvent'>>;
  readonly portfolio: AvroSerde<FamilyValue<'PortfolioEvent'>>;
  readonly risk: AvroSerde<FamilyValue<'RiskEvent'>>;
  /** Lane topics and merged streams carry events of every family. */
  readonly events: EventSerde;
}

export async function tradeMasterSerdes(): Promise<TradeMasterSerdes> {
  const registry = new InMemorySchemaRegistry();
  return {
    registry,
    key: Serdes.string(),
    orders: await familySerde(registry, 'OrderEvent'),
    prices: await familySerde(registry, 'MarketDataEvent', { topic: 'tm.prices' }),
    portfolio: await familySerde(registry, 'PortfolioEvent'),
    risk: await familySerde(registry, 'RiskEvent'),
    events: await createEventSerde(registry, { topic: laneTopic('CRITICAL') }),
  };
}

/** A fill with the market price of its symbol at the time. */
export interface EnrichedFill {
  readonly accountId: string;
  readonly symbol: string;
  readonly side: 'BUY' | 'SELL';
  readonly quantity: number;
  readonly fillPrice: number;
  readonly marketPrice: number;
  readonly correlationId: string;
  readonly fillEventId: string;
}

/** Positions of one account. */
export interface AccountPositions {
  readonly accountId: string;
  readonly symbols: Record<string, { quantity: number; cost: number; marketPrice: number }>;
  readonly exposure: number;
  readonly lastSymbol: string;
  readonly lastCorrelationId: string;
  readonly lastFillEventId: string;
}

const n = (decimal: string) => Number(decimal);

/** A deterministic UUID (version 5 layout) derived from `seed`: event ids must be UUIDs. */
export function uuidFrom(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function enrich(fill: EventOf<'ORDER_FILLED'>, md: FamilyValue<'MarketDataEvent'>): EnrichedFill {
  const p = fill.payload;
  return {
    accountId: p.accountId,
    symbol: fill.header.symbol,
    side: p.side,
    quantity: n(p.fillQuantity),
    fillPrice: n(p.fillPrice),
    marketPrice: isEvent(md, 'PRICE_UPDATE') ? n(md.payload.last) : n(p.fillPrice),
    correlationId: fill.header.correlationId,
    fillEventId: fill.header.eventId,
  };
}

function applyFill(accountId: string, f: EnrichedFill, acc: AccountPositions): AccountPositions {
  const signed = f.side === 'BUY' ? f.quantity : -f.quantity;
  const held = acc.symbols[f.symbol] ?? { quantity: 0, cost: 0, marketPrice: f.marketPrice };
  const symbols = {
    ...acc.symbols,
    [f.symbol]: {
      quantity: held.quantity + signed,
      cost: held.cost + signed * f.fillPrice,
      marketPrice: f.marketPrice,
    },
  };
  const exposure = Object.values(symbols).reduce((sum, s) => sum + Math.abs(s.quantity) * s.marketPrice, 0);
  return {
    accountId,
    symbols,
    exposure,
    lastSymbol: f.symbol,
    lastCorrelationId: f.correlationId,
    lastFillEventId: f.fillEventId,
  };
}

const noPositions = (): AccountPositions => ({
  accountId: '',
  symbols: {},
  exposure: 0,
  lastSymbol: '',
  lastCorrelationId: '',
  lastFillEventId: '',
});

function header<T extends string>(type: T, priority: string, p: AccountPositions, now: number) {
  return {
    eventId: uuidFrom(`${p.lastFillEventId}/${type}`),
    correlationId: p.lastCorrelationId,
    causationId: p.lastFillEventId,
    eventType: type,
    priority,
    timestamp: now,
    source: 'tm-positions',
    version: 1,
  } as const;
}

function positionUpdate(p: AccountPositions, now: number): EventOf<'POSITION_UPDATE'> {
  const s = p.symbols[p.lastSymbol] as AccountPositions['symbols'][string];
  const avg = s.quantity === 0 ? 0 : s.cost / s.quantity;
  return {
    header: { ...header('POSITION_UPDATE', 'STANDARD', p, now), userId: `u-${p.accountId}` },
    payload: {
      accountId: p.accountId,
      symbol: p.lastSymbol,
      quantity: quantity(s.quantity),
      averageCost: price(avg.toFixed(8)),
      marketPrice: price(s.marketPrice),
      marketValue: money((s.quantity * s.marketPrice).toFixed(4)),
      unrealizedPnl: money((s.quantity * s.marketPrice - s.cost).toFixed(4)),
      currency: 'USD',
    },
  } as EventOf<'POSITION_UPDATE'>;
}

function riskBreach(p: AccountPositions, now: number): EventOf<'RISK_LIMIT_BREACH'> {
  return {
    header: { ...header('RISK_LIMIT_BREACH', 'CRITICAL', p, now), accountId: p.accountId },
    payload: {
      limitId: 'LIM-GROSS-EXP-01',
      limitType: 'GROSS_EXPOSURE',
      userId: `u-${p.accountId}`,
      symbol: p.lastSymbol,
      limitValue: money(EXPOSURE_LIMIT),
      currentValue: money(p.exposure.toFixed(4)),
      utilization: ratio((p.exposure / EXPOSURE_LIMIT).toFixed(6)),
      currency: 'USD',
      action: 'BLOCK_NEW_ORDERS',
      detectedAt: now,
    },
  } as EventOf<'RISK_LIMIT_BREACH'>;
}

/** Builds the topology (not yet compiled). */
export function tradeMasterTopology(s: TradeMasterSerdes): TopologyBuilder {
  const builder = new TopologyBuilder();
  const { key } = s;
  const orders = builder.familyStream('OrderEvent', { key, value: s.orders, name: 'orders' });
  const pnl = builder.familyStream('PortfolioEvent', { key, value: s.portfolio, name: 'portfolio' });
  const prices = builder.table('tm.prices', { key, value: s.prices, name: 'prices', store: 'latest-prices' });

  orders.toPriorityLanes({ value: s.events, name: 'orders-to-lanes' });

  const { ORDER_FILLED: fills } = orders.routeByEventType(['ORDER_FILLED'], { name: 'order-types' });
  const enriched = fills.join(prices, enrich, {
    name: 'enrich-fills',
    valueSerde: Serdes.json<EnrichedFill>(),
  });
  enriched.to('tm.fills-enriched', { name: 'enriched-fills-out' });

  const positions = enriched
    .groupBy((f) => f.accountId, { name: 'by-account', key })
    .aggregate(noPositions, applyFill, {
      name: 'positions',
      store: 'positions',
      valueSerde: Serdes.json<AccountPositions>(),
    });

  const updates = positions
    .toStream({ name: 'position-changes' })
    .transform((p, _k, r) => positionUpdate(p, r.timestamp), {
      name: 'to-position-update',
      valueSerde: s.portfolio,
    });
  updates.toPriorityLanes({ value: s.events, name: 'positions-to-lanes' });

  const breaches = positions
    .toStream({ name: 'exposure-changes' })
    .filter((p) => p.exposure > EXPOSURE_LIMIT, { name: 'over-limit' })
    .transform((p, _k, r) => riskBreach(p, r.timestamp), { name: 'to-risk-breach', valueSerde: s.risk });
  breaches.toPriorityLanes({ value: s.events, name: 'risk-to-lanes' });

  const asEvent = { valueSerde: s.events as Serde<TradeMasterEvent> };
  const lifecycle = orders
    .mapValues((e): TradeMasterEvent => e, { name: 'orders-as-events', ...asEvent })
    .merge(
      updates.mapValues((e): TradeMasterEvent => e, { name: 'updates-as-events', ...asEvent }),
      { name: 'merge-updates' },
    )
    .merge(
      breaches.mapValues((e): TradeMasterEvent => e, { name: 'breaches-as-events', ...asEvent }),
      { name: 'merge-breaches' },
    )
    .merge(
      pnl.mapValues((e): TradeMasterEvent => e, { name: 'pnl-as-events', ...asEvent }),
      { name: 'merge-pnl' },
    );

  lifecycle
    .correlate({
      name: 'order-lifecycle',
      inactivityTimeoutMs: CHAIN_TIMEOUT_MS,
      complete: (events) => events.some((e) => e.header.eventType === 'PNL_CHANGE'),
    })
    .to('tm.order-chains', { name: 'chains-out' });
  return builder;
}

/** The shape of emitted chains on `tm.order-chains`. */
export type LifecycleChain = CorrelatedChain<TradeMasterEvent>;
