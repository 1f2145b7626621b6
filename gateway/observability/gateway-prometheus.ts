// Exports a gateway's counters (GatewayMetrics: plain numbers on the hot path) as Prometheus
// metrics, read at scrape time: connections, subscriptions, deliveries per lane, drops and
// refusals by reason, replays. Named like the runtime's (`tmbus_gateway_*`) so one dashboard and
// one set of alert rules cover both.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { GatewayMetrics } from '../metrics.js';

export interface GatewayPrometheusOptions {
  registry: Registry;
  metrics: GatewayMetrics;
  /** Channel subscriptions held by this instance's sockets, when known. */
  subscriptions?: () => number;
  /** Label every series with the instance id. */
  instanceId?: string;
}

/** Counters are monotonic in GatewayMetrics; at scrape time the prom-client counter is set to them. */
function mirror(
  counter: Counter<string>,
  values: Record<string, number>,
  label: string,
  extra: Record<string, string>,
) {
  counter.reset();
  for (const [key, value] of Object.entries(values))
    if (value > 0) counter.inc({ ...extra, [label]: key }, value);
}

export function registerGatewayMetrics(o: GatewayPrometheusOptions): void {
  const registers = [o.registry];
  const base: Record<string, string> = o.instanceId ? { instance_id: o.instanceId } : {};
  const labelNames = o.instanceId ? ['instance_id'] : [];
  const snap = () => o.metrics.snapshot();
  new Gauge({
    name: 'tmbus_gateway_connections',
    help: 'Open Socket.IO connections on this gateway instance',
    labelNames,
    registers,
    collect() {
      this.set(base, snap().connectionsOpen);
    },
  });
  new Gauge({
    name: 'tmbus_gateway_subscriptions',
    help: 'Channel subscriptions held by sockets of this instance',
    labelNames,
    registers,
    collect() {
      this.set(base, o.subscriptions?.() ?? 0);
    },
  });
  new Counter({
    name: 'tmbus_gateway_connections_total',
    help: 'Connections accepted since start',
    labelNames,
    registers,
    collect() {
      this.reset();
      this.inc(base, snap().connectionsTotal);
    },
  });
  new Counter({
    name: 'tmbus_gateway_deliveries_total',
    help: 'Events emitted to channel rooms, by priority lane',
    labelNames: [...labelNames, 'lane'],
    registers,
    collect() {
      mirror(this, snap().deliveries, 'lane', base);
    },
  });
  new Counter({
    name: 'tmbus_gateway_drops_total',
    help: 'Events not delivered live: conflated market data, records naming no channel, undecodable records dead-lettered, clients told to resume',
    labelNames: [...labelNames, 'reason'],
    registers,
    collect() {
      const s = snap();
      mirror(
        this,
        {
          conflated: s.conflated,
          undeliverable: s.undeliverable,
          dead_lettered: s.deadLettered,
          resume_required: s.resumeRequired,
        },
        'reason',
        base,
      );
    },
  });
  new Counter({
    name: 'tmbus_gateway_refusals_total',
    help: 'Refused requests by reason (error code)',
    labelNames: [...labelNames, 'reason'],
    registers,
    collect() {
      mirror(this, snap().refusals, 'reason', base);
    },
  });
  new Counter({
    name: 'tmbus_gateway_replayed_records_total',
    help: 'Records replayed from Kafka to resuming clients',
    labelNames,
    registers,
    collect() {
      this.reset();
      this.inc(base, snap().replayedRecords);
    },
  });
  new Counter({
    name: 'tmbus_gateway_resume_gaps_total',
    help: 'Resumes answered with RESUME_GAP (history no longer in Kafka or past the replay bound)',
    labelNames,
    registers,
    collect() {
      this.reset();
      this.inc(base, snap().resumeGaps);
    },
  });
}
