// Topic names and application ids of the TradeMaster examples. Every name takes an optional
// prefix, so one shared Kafka cluster can host several demos (or test runs) side by side without
// them reading each other's topics, consumer groups or registry subjects. Without a prefix the
// names are the catalog's (`tm.orders`, `tm.lane.critical`, …) that the gateway reads by default.

import { ConfigError } from '../core/errors.js';
import {
  CATALOG,
  EVENT_FAMILIES,
  type EventFamily,
  LANE_TOPICS,
  laneTopic,
  PRIORITIES,
  type Priority,
} from '../schemas/index.js';

/** The topics the examples use. */
export interface DemoTopics {
  /** The prefix every name starts with. */
  readonly prefix: string;
  /** Domain topic of each family: where services publish (30-day history). */
  readonly domain: Readonly<Record<EventFamily, string>>;
  /** Compacted topic of the latest PRICE_UPDATE per symbol (the price table of the joins). */
  readonly prices: string;
  /** Closed order-lifecycle chains (JSON). */
  readonly chains: string;
  /** Priority-lane topic of each priority: what the gateway fans out. */
  readonly lanes: Readonly<Record<Priority, string>>;
}

/** Application ids of the example topologies (consumer groups, internal topic prefixes). */
export const APPLICATIONS = {
  laneRouter: 'tm-lane-router',
  marketPrices: 'tm-market-prices',
  risk: 'tm-risk',
  portfolio: 'tm-portfolio',
  orderLifecycle: 'tm-order-lifecycle',
} as const;

export type ApplicationName = keyof typeof APPLICATIONS;

const PREFIX_PATTERN = /^[A-Za-z0-9._-]*$/;

/**
 * Topic names, all starting with `prefix`.
 *
 * @example
 * demoTopics().lanes.CRITICAL;             // 'tm.lane.critical'
 * demoTopics('it-4f2a.').domain.OrderEvent; // 'it-4f2a.tm.orders'
 */
export function demoTopics(prefix = ''): DemoTopics {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new ConfigError(`topic prefix '${prefix}' may only use letters, digits, '.', '_' and '-'`, {
      context: { configKey: 'topicPrefix' },
    });
  }
  const domain = Object.fromEntries(EVENT_FAMILIES.map((f) => [f, `${prefix}${CATALOG[f].topic}`])) as Record<
    EventFamily,
    string
  >;
  const lanes = Object.fromEntries(PRIORITIES.map((p) => [p, `${prefix}${laneTopic(p)}`])) as Record<
    Priority,
    string
  >;
  return { prefix, domain, prices: `${prefix}tm.prices`, chains: `${prefix}tm.order-chains`, lanes };
}

/** The application id of an example topology under the topics' prefix. */
export function applicationId(topics: DemoTopics, name: ApplicationName): string {
  return `${topics.prefix}${APPLICATIONS[name]}`;
}

/** Whether `lanes` are the catalog's own lane topics (no prefix). */
export function isCatalogLanes(lanes: Readonly<Record<Priority, string>>): boolean {
  return PRIORITIES.every((p, i) => lanes[p] === LANE_TOPICS[i]);
}

/** Every external topic of the examples, for creating or deleting them. */
export function allTopics(topics: DemoTopics): string[] {
  return [...Object.values(topics.domain), topics.prices, topics.chains, ...Object.values(topics.lanes)];
}
