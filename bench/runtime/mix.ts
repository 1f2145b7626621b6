// The event mix the runtime benchmark offers: each family on its own input topic, with the share
// of traffic and the lane it travels on. Market data dominates, as on a trading platform.

import type { EventFamily, EventType } from '../../schemas/catalog.js';

export interface MixEntry {
  family: EventFamily;
  share: number;
  types: EventType[];
}

export const MIX: readonly MixEntry[] = [
  {
    family: 'MarketDataEvent',
    share: 0.85,
    types: ['PRICE_UPDATE', 'TRADE_EXECUTION', 'ORDER_BOOK_CHANGE', 'VOLUME_UPDATE'],
  },
  { family: 'PortfolioEvent', share: 0.08, types: ['POSITION_UPDATE', 'PNL_CHANGE'] },
  { family: 'SystemEvent', share: 0.05, types: ['SERVICE_HEALTH_CHECK', 'ANALYTICS_UPDATE'] },
  { family: 'RiskEvent', share: 0.02, types: ['RISK_LIMIT_BREACH', 'MARGIN_CALL'] },
];

export function inputTopic(run: string, family: EventFamily): string {
  return `bench-${run}-in-${family}`;
}

export function outputTopic(run: string, family: EventFamily): string {
  return `bench-${run}-out-${family}`;
}
