// /metrics, /healthz and /readyz of a runtime on the real broker: the text parses as Prometheus
// exposition format and the counters and histograms move when events flow.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { HEADERS } from '../../../core/headers.js';
import { StreamsRuntime } from '../../../runtime/engine/streams-runtime.js';
import { domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import { startOpsServer } from '../../../runtime/observability/ops-server.js';
import { RuntimeMetrics } from '../../../runtime/observability/runtime-metrics.js';
import { Serdes, TopologyBuilder } from '../../../topology/index.js';
import { countingPlan } from '../../support/counting-plan.js';
import { produceAll, waitFor } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const connection = servicesConfig();
const topicManager = new TopicManager(connection);
const cleanup: string[] = [];
afterAll(() => topicManager.delete(cleanup));

interface Family {
  name: string;
  type: string;
  metrics: {
    labels?: Record<string, string>;
    value?: string;
    count?: string;
    buckets?: Record<string, string>;
  }[];
}

let lastText = '';
async function scrape(url: string): Promise<Map<string, Family>> {
  lastText = await (await fetch(`${url}/metrics`)).text();
  const families = parsePrometheusTextFormat(lastText) as Family[];
  return new Map(families.map((f) => [f.name, f]));
}

/** One sample line's value (the parser above folds labelled histogram series together). */
function sample(series: string): number | undefined {
  const line = lastText.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function sum(f: Family | undefined, labels: Record<string, string> = {}): number {
  return (f?.metrics ?? [])
    .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((acc, m) => acc + Number(m.value ?? m.count ?? 0), 0);
}

describe('runtime observability', () => {
  it('serves parseable metrics that move with traffic, and health/readiness', async () => {
    const app = uniqueName('obs');
    const source = uniqueName('in');
    const sink = uniqueName('out');
    cleanup.push(source, sink, `${app}-counts-changelog`, `${app}-dlq`);
    await topicManager.ensure([domainTopic(source, 2), domainTopic(sink, 2)]);
    const registry = new Registry();
    const metrics = new RuntimeMetrics(registry);
    const runtime = new StreamsRuntime({
      connection,
      plan: countingPlan(app, source, sink),
      metrics,
      commitIntervalMs: 50,
    });
    const ops = await startOpsServer({ registry, checks: { runtime: () => runtime.ready } });
    try {
      expect((await fetch(`${ops.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${ops.url}/readyz`)).status).toBe(503);
      await runtime.start();
      await waitFor(async () => (await fetch(`${ops.url}/readyz`)).status === 200, 60_000, 'readiness');

      const before = await scrape(ops.url);
      expect(sum(before.get('tmbus_records_in_total'))).toBe(0);
      await produceAll(connection, [
        ...Array.from({ length: 40 }, (_, i) => ({
          topic: source,
          key: `k${i}`,
          value: `v${i}`,
          headers: { [HEADERS.priority]: Buffer.from('CRITICAL') },
        })),
        { topic: source, key: 'bad', value: 'poison' },
      ]);
      await waitFor(
        async () => sum((await scrape(ops.url)).get('tmbus_records_out_total')) >= 40,
        60_000,
        'outputs counted',
      );
      const after = await scrape(ops.url);
      expect(sum(after.get('tmbus_records_in_total'), { topic: source })).toBe(41);
      expect(sum(after.get('tmbus_records_out_total'), { topic: sink })).toBe(40);
      expect(
        sum(after.get('tmbus_records_dead_lettered_total'), { topic: source, code: 'PROCESSING_FAILED' }),
      ).toBe(1);
      const e2e = after.get('tmbus_end_to_end_latency_seconds');
      expect(e2e?.type).toBe('HISTOGRAM');
      expect(sample('tmbus_end_to_end_latency_seconds_count{lane="CRITICAL"}')).toBe(40);
      expect(sample('tmbus_processing_latency_seconds_count{lane="CRITICAL"}')).toBe(40);
      expect(after.get('tmbus_consumer_lag')?.metrics.length).toBeGreaterThan(0);
      expect(sum(after.get('tmbus_rebalances_total'))).toBeGreaterThan(0);
    } finally {
      await runtime.stop();
      await ops.close();
    }
  });

  it('counts records per topology stage', async () => {
    const app = uniqueName('obs-stages');
    const source = uniqueName('quotes');
    const sink = uniqueName('alerts');
    cleanup.push(source, sink, `${app}-dlq`);
    await topicManager.ensure([domainTopic(source, 1), domainTopic(sink, 1)]);
    const b = new TopologyBuilder();
    b.stream(source, { key: Serdes.string(), value: Serdes.json<{ px: number }>(), name: 'quotes' })
      .filter((q) => q.px > 100, { name: 'above-100' })
      .to(sink, { name: 'alerts-out' });
    const registry = new Registry();
    const runtime = new StreamsRuntime({
      connection,
      plan: b.build({ applicationId: app }),
      metrics: new RuntimeMetrics(registry),
      commitIntervalMs: 50,
    });
    const ops = await startOpsServer({ registry });
    try {
      await runtime.start();
      await produceAll(
        connection,
        Array.from({ length: 10 }, (_, i) => ({
          topic: source,
          key: `k${i}`,
          value: JSON.stringify({ px: 96 + i }),
        })),
      );
      await waitFor(
        async () =>
          sum((await scrape(ops.url)).get('tmbus_stage_records_total'), { stage: 'alerts-out' }) >= 5,
        60_000,
        'stage counts',
      );
      const stages = (await scrape(ops.url)).get('tmbus_stage_records_total');
      expect(sum(stages, { application: app, stage: 'quotes' })).toBe(10);
      expect(sum(stages, { application: app, stage: 'above-100' })).toBe(5);
      expect(sum(stages, { application: app, stage: 'alerts-out' })).toBe(5);
    } finally {
      await runtime.stop();
      await ops.close();
    }
  });
});
