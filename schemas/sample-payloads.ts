// The payload half of `sampleEvent`: one realistic payload factory per event type, given the
// event's timestamp so payload times sit just before it. Kept apart from samples.ts so the table
// (27 entries) does not drown the public factory.

import type { EventType } from './catalog.js';
import { toDecimal } from './decimal.js';
import type { PayloadOf } from './events.js';

/** A price at the catalog's price scale (8), e.g. `price(189.25)` → `"189.25000000"`. */
export const price = (value: number | string): string => toDecimal(value, 8);
/** A quantity at the catalog's quantity scale (8). */
export const quantity = (value: number | string): string => toDecimal(value, 8);
/** A money amount at the catalog's money scale (4). */
export const money = (value: number | string): string => toDecimal(value, 4);
/** A ratio at the catalog's ratio scale (6). */
export const ratio = (value: number | string): string => toDecimal(value, 6);

type PayloadFactories = { [T in EventType]: (now: number) => PayloadOf<T> };

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export const SAMPLE_PAYLOADS: PayloadFactories = {
  // --- RiskEvent (keyed by accountId)
  RISK_LIMIT_BREACH: (now) => ({
    limitId: 'LIM-GROSS-EXP-01',
    limitType: 'GROSS_EXPOSURE',
    userId: 'u-7f3a9c',
    symbol: null,
    limitValue: money('5000000'),
    currentValue: money('5212450.75'),
    utilization: ratio('1.04249'),
    currency: 'USD',
    action: 'BLOCK_NEW_ORDERS',
    detectedAt: now - 15,
  }),
  MARGIN_CALL: (now) => ({
    marginCallId: 'MC-2025-000731',
    userId: 'u-7f3a9c',
    currency: 'USD',
    equity: money('182340.5'),
    maintenanceMargin: money('200000'),
    deficit: money('17659.5'),
    marginLevel: ratio('0.911703'),
    dueBy: now + DAY,
    action: 'REDUCE_ONLY',
  }),
  POSITION_LIMIT_EXCEEDED: () => ({
    userId: 'u-7f3a9c',
    symbol: 'TSLA',
    side: 'BUY',
    positionQuantity: quantity(12500),
    limitQuantity: quantity(10000),
    orderId: 'ORD-88120457',
    action: 'BLOCK_NEW_ORDERS',
  }),
  STOP_LOSS_TRIGGERED: (now) => ({
    userId: 'u-7f3a9c',
    orderId: 'ORD-88120399',
    symbol: 'NVDA',
    side: 'SELL',
    quantity: quantity(250),
    stopPrice: price('118.5'),
    triggerPrice: price('118.47'),
    triggeredAt: now - 3,
  }),
  // --- OrderEvent (keyed by symbol)
  ORDER_REJECTED_CRITICAL: (now) => ({
    orderId: 'ORD-88120460',
    accountId: 'ACC-100234',
    side: 'BUY',
    quantity: quantity(5000),
    limitPrice: price('189.3'),
    rejectCode: 'INSUFFICIENT_MARGIN',
    reason: 'order would exceed available margin by 412,300.00 USD',
    rejectedAt: now - 2,
  }),
  ORDER_CANCELLED_SYSTEM: (now) => ({
    orderId: 'ORD-88120401',
    accountId: 'ACC-100234',
    side: 'BUY',
    cancelledQuantity: quantity(300),
    filledQuantity: quantity(200),
    trigger: 'RISK_LIQUIDATION',
    reason: 'account placed in reduce-only after margin call MC-2025-000731',
    cancelledAt: now - 1,
  }),
  ORDER_PLACED: (now) => ({
    orderId: 'ORD-88120458',
    clientOrderId: 'web-5f2e91',
    accountId: 'ACC-100234',
    userId: 'u-7f3a9c',
    side: 'BUY',
    orderType: 'LIMIT',
    timeInForce: 'DAY',
    quantity: quantity(100),
    limitPrice: price('189.3'),
    stopPrice: null,
    venue: 'XNAS',
    placedAt: now - 5,
  }),
  ORDER_FILLED: (now) => ({
    orderId: 'ORD-88120458',
    accountId: 'ACC-100234',
    side: 'BUY',
    fillId: 'EXE-5521907',
    fillQuantity: quantity(60),
    fillPrice: price('189.27'),
    cumulativeQuantity: quantity(100),
    averagePrice: price('189.262'),
    commission: money('0.5'),
    currency: 'USD',
    liquidity: 'TAKER',
    venue: 'XNAS',
    filledAt: now - 4,
  }),
  ORDER_PARTIAL_FILL: (now) => ({
    orderId: 'ORD-88120458',
    accountId: 'ACC-100234',
    side: 'BUY',
    fillId: 'EXE-5521906',
    fillQuantity: quantity(40),
    fillPrice: price('189.25'),
    cumulativeQuantity: quantity(40),
    remainingQuantity: quantity(60),
    averagePrice: price('189.25'),
    venue: 'XNAS',
    filledAt: now - 4,
  }),
  ORDER_CANCELLED: (now) => ({
    orderId: 'ORD-88120459',
    accountId: 'ACC-100234',
    side: 'SELL',
    cancelledQuantity: quantity(75),
    filledQuantity: quantity(25),
    requestedBy: 'u-7f3a9c',
    cancelledAt: now - 1,
  }),
  // --- MarketDataEvent (keyed by symbol)
  PRICE_UPDATE: (now) => ({
    venue: 'XNAS',
    bid: price('189.26'),
    bidSize: quantity(300),
    ask: price('189.28'),
    askSize: quantity(500),
    last: price('189.27'),
    sequence: 48_211_907,
    exchangeTime: now - 1,
  }),
  VOLUME_UPDATE: (now) => ({
    intervalStart: now - MINUTE,
    intervalEnd: now,
    volume: quantity(182_400),
    notional: money('34520148.25'),
    vwap: price('189.2552'),
    tradeCount: 1_377,
  }),
  ORDER_BOOK_CHANGE: () => ({
    venue: 'XNAS',
    sequence: 48_211_908,
    changeType: 'INCREMENTAL',
    bids: [
      { price: price('189.26'), quantity: quantity(300), orderCount: 4 },
      { price: price('189.25'), quantity: quantity(1200), orderCount: 9 },
    ],
    asks: [
      { price: price('189.28'), quantity: quantity(0), orderCount: 0 },
      { price: price('189.29'), quantity: quantity(800), orderCount: 6 },
    ],
  }),
  TRADE_EXECUTION: (now) => ({
    tradeId: 'XNAS-T-99120442',
    venue: 'XNAS',
    price: price('189.27'),
    quantity: quantity(60),
    aggressorSide: 'BUY',
    executedAt: now - 1,
  }),
  // --- PortfolioEvent (keyed by userId)
  POSITION_UPDATE: () => ({
    accountId: 'ACC-100234',
    symbol: 'AAPL',
    quantity: quantity(1100),
    averageCost: price('172.4418'),
    marketPrice: price('189.27'),
    marketValue: money('208197'),
    unrealizedPnl: money('18511.02'),
    currency: 'USD',
  }),
  PNL_CHANGE: (now) => ({
    accountId: 'ACC-100234',
    currency: 'USD',
    realizedPnl: money('2310.4'),
    unrealizedPnl: money('18511.02'),
    totalPnl: money('20821.42'),
    dailyChange: money('-1204.88'),
    asOf: now,
  }),
  BALANCE_UPDATE: () => ({
    accountId: 'ACC-100234',
    currency: 'USD',
    cashBalance: money('104877.3'),
    availableBalance: money('85947.3'),
    reservedBalance: money('18930'),
    changeAmount: money('-11356.2'),
    changeReason: 'TRADE_SETTLEMENT',
  }),
  MARGIN_UPDATE: () => ({
    accountId: 'ACC-100234',
    currency: 'USD',
    equity: money('313074.32'),
    initialMargin: money('156210'),
    maintenanceMargin: money('104140'),
    marginAvailable: money('156864.32'),
    marginLevel: ratio('3.006283'),
  }),
  // --- AgentEvent (keyed by agentId)
  AGENT_STATUS_CHANGE: () => ({
    strategyId: 'momentum-us-equities-v3',
    previousStatus: 'RUNNING',
    status: 'DEGRADED',
    reason: 'market data latency above 250 ms for 30 s',
  }),
  TASK_COMPLETION: (now) => ({
    taskId: 'task-rebalance-20250115-1430',
    taskType: 'rebalance',
    outcome: 'SUCCEEDED',
    startedAt: now - 42_000,
    completedAt: now - 10,
    ordersPlaced: 14,
    errorMessage: null,
  }),
  PERFORMANCE_ALERT: () => ({
    strategyId: 'momentum-us-equities-v3',
    metric: 'MAX_DRAWDOWN',
    observedValue: ratio('0.0815'),
    thresholdValue: ratio('0.075'),
    windowMinutes: 390,
    severity: 'WARNING',
  }),
  // --- SystemEvent (keyed by service)
  SERVICE_HEALTH_CHECK: () => ({
    instanceId: 'order-gateway-7d9f6c5b8-x2kq4',
    tenantId: null,
    status: 'HEALTHY',
    checks: { kafka: 'HEALTHY', redis: 'HEALTHY', 'schema-registry': 'HEALTHY' },
    cpuUtilization: 0.37,
    heapUsedBytes: 412_316_672,
    uptimeSeconds: 86_412,
  }),
  MAINTENANCE_NOTICE: (now) => ({
    noticeId: 'MAINT-2025-014',
    tenantId: null,
    title: 'Scheduled broker upgrade',
    description: 'Kafka brokers are upgraded one at a time; expect brief reconnects, no data loss.',
    affectedServices: ['order-gateway', 'market-data-feed'],
    impact: 'DEGRADED',
    startsAt: now + DAY,
    endsAt: now + DAY + 30 * MINUTE,
  }),
  ANALYTICS_UPDATE: (now) => ({
    tenantId: 'tenant-eu-1',
    metric: 'orders.placed',
    dimensions: { venue: 'XNAS', orderType: 'LIMIT' },
    value: 18_442,
    unit: 'count',
    windowStart: now - 60 * MINUTE,
    windowEnd: now,
  }),
  // --- NotificationEvent (keyed by userId)
  USER_NOTIFICATION: (now) => ({
    notificationId: 'NTF-71002913',
    category: 'ORDER',
    severity: 'INFO',
    title: 'Order filled',
    body: 'Bought 100 AAPL at an average of 189.262 USD.',
    channels: ['IN_APP', 'PUSH'],
    relatedEventId: '5b0f8c1e-6a1d-4c55-9a0e-3f1f2d7c9b10',
    expiresAt: now + 7 * DAY,
  }),
  SYSTEM_ANNOUNCEMENT: (now) => ({
    announcementId: 'ANN-2025-003',
    audience: 'TRADERS',
    severity: 'WARNING',
    title: 'Early close',
    body: 'US equity markets close at 13:00 ET on Friday.',
    publishedAt: now - MINUTE,
    expiresAt: now + 3 * DAY,
  }),
  REPORT_GENERATED: (now) => ({
    reportId: 'RPT-DPNL-20250115-u7f3a9c',
    reportType: 'DAILY_PNL',
    format: 'PDF',
    periodStart: now - DAY,
    periodEnd: now,
    location: 'reports://tenant-eu-1/daily-pnl/2025-01-15/u-7f3a9c.pdf',
    sizeBytes: 184_233,
    sha256: '9f2c4e7a1b3d5f60718293a4b5c6d7e8f9012a3b4c5d6e7f8091a2b3c4d5e6f7',
  }),
};
