// Every event a service publishes also travels on its priority lane, which is all the gateway
// reads. The lane router copies the service-published domain topics (orders, market data, agents,
// system, notifications) to the lanes; the risk and portfolio topologies write the events they
// derive to the lanes themselves, so a CRITICAL risk alert does not take an extra hop.
//
// `toLanes` is how every example topology writes lanes: `toPriorityLanes()` on the catalog's lane
// topics, and an explicit route-by-priority onto prefixed lane topics when the demo runs under a
// topic prefix (`toPriorityLanes` always targets the catalog names).

import { PRIORITIES, type Priority, type TradeMasterEvent } from '../../schemas/index.js';
import { type KStream, type SinkSerde, TopologyBuilder } from '../../topology/index.js';
import { type DemoTopics, isCatalogLanes } from '../topics.js';
import type { DemoSerdes } from './serdes.js';

/**
 * Writes each event of `stream` to the lane topic of its priority.
 *
 * @example
 * toLanes(alerts, topics.lanes, serdes.events, 'risk-to-lanes');
 */
export function toLanes<K, V extends TradeMasterEvent>(
  stream: KStream<K, V>,
  lanes: Readonly<Record<Priority, string>>,
  serde: SinkSerde<TradeMasterEvent>,
  name: string,
): void {
  if (isCatalogLanes(lanes)) {
    stream.toPriorityLanes({ value: serde, name });
    return;
  }
  const byLane = stream.routeByPriority({ name: `${name}-route` });
  for (const p of PRIORITIES) byLane[p].to(lanes[p], { value: serde, name: `${name}-${p.toLowerCase()}` });
}

/** Domain topics whose events come straight from services (the topologies derive the others). */
export const SERVICE_FAMILIES = [
  'OrderEvent',
  'MarketDataEvent',
  'AgentEvent',
  'SystemEvent',
  'NotificationEvent',
] as const;

/**
 * The lane router: service-published domain topics → priority lanes, keys and bytes' meaning kept.
 *
 * @example
 * const plan = laneRouterTopology(topics, serdes).build({ applicationId: 'tm-lane-router' });
 */
export function laneRouterTopology(topics: DemoTopics, serdes: DemoSerdes): TopologyBuilder {
  const builder = new TopologyBuilder();
  const published = builder.stream(
    SERVICE_FAMILIES.map((f) => topics.domain[f]),
    { key: serdes.key, value: serdes.events, name: 'service-events' },
  );
  toLanes(published, topics.lanes, serdes.events, 'service-events-to-lanes');
  return builder;
}
