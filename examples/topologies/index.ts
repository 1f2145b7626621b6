// The example topologies together: what the demo runs, on the embedded runner or on Kafka.
export { laneRouterTopology, SERVICE_FAMILIES, toLanes } from './lane-router.js';
export { marketPricesTopology } from './market-prices.js';
export {
  lifecycleComplete,
  type OrderLifecycleChain,
  type OrderLifecycleOptions,
  orderLifecycleTopology,
  TERMINAL_ORDER_EVENTS,
} from './order-lifecycle.js';
export { buildDemoPlans, type DemoPlanOptions } from './plans.js';
export { type AccountPortfolio, bookFill, portfolioEvents, portfolioTopology } from './portfolio.js';
export {
  applyFill,
  type Book,
  emptyBook,
  type FillEvent,
  grossExposure,
  type Holding,
  isFill,
  type PricedFill,
  priceFill,
  unrealizedPnl,
} from './positions.js';
export {
  type AccountRisk,
  assessFill,
  type RiskAlert,
  type RiskPolicy,
  riskEvent,
  riskTopology,
} from './risk.js';
export { type DemoSerdes, demoSerdes } from './serdes.js';
