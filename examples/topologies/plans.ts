// The demo's applications compiled: one plan per example topology, each under its own application
// id (consumer group) with the topics' prefix, validated by `build()` before anything runs.

import type { TopologyPlan } from '../../topology/index.js';
import type { AccountDirectory } from '../accounts.js';
import { type ApplicationName, applicationId, type DemoTopics } from '../topics.js';
import { laneRouterTopology } from './lane-router.js';
import { marketPricesTopology } from './market-prices.js';
import { orderLifecycleTopology } from './order-lifecycle.js';
import { portfolioTopology } from './portfolio.js';
import { type RiskPolicy, riskTopology } from './risk.js';
import type { DemoSerdes } from './serdes.js';

export interface DemoPlanOptions {
  readonly topics: DemoTopics;
  readonly serdes: DemoSerdes;
  readonly directory: AccountDirectory;
  /** @default {} (the policy's defaults) */
  readonly riskPolicy?: RiskPolicy;
  /** Inactivity timeout of order-lifecycle chains, ms. @default 30_000 */
  readonly chainTimeoutMs?: number;
}

/**
 * Every example application, built.
 *
 * @example
 * const plans = buildDemoPlans({ topics, serdes, directory: new AccountDirectory() });
 * console.log(plans.risk.describe());
 */
export function buildDemoPlans(options: DemoPlanOptions): Record<ApplicationName, TopologyPlan> {
  const { topics, serdes, directory } = options;
  const build = (name: ApplicationName, builder: { build(o: { applicationId: string }): TopologyPlan }) =>
    builder.build({ applicationId: applicationId(topics, name) });
  return {
    laneRouter: build('laneRouter', laneRouterTopology(topics, serdes)),
    marketPrices: build('marketPrices', marketPricesTopology(topics, serdes)),
    risk: build('risk', riskTopology(topics, serdes, directory, options.riskPolicy)),
    portfolio: build('portfolio', portfolioTopology(topics, serdes, directory)),
    orderLifecycle: build(
      'orderLifecycle',
      orderLifecycleTopology(topics, serdes, { inactivityTimeoutMs: options.chainTimeoutMs }),
    ),
  };
}
