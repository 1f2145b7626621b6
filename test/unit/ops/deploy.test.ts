// The deployment files are code too: every YAML document parses, every PromQL expression of the
// alerts and the dashboard parses (Prometheus' own lezer grammar) and names only metrics and labels
// the bus exports, the lane alerts use the catalog's budgets, and the manifests agree with each
// other and with the runtime's configuration schema.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadAppConfig } from '../../../cli/app-config.js';
import { devJwtConfig } from '../../../cli/token.js';
import { PRIORITIES, PRIORITY_BUDGET_MS } from '../../../schemas/catalog.js';

const DEPLOY = join(import.meta.dirname, '../../../deploy');

/** The metrics the bus exports and their labels (deploy files may use nothing else). */
const METRICS: Record<string, readonly string[]> = {
  tmbus_records_in_total: ['topic', 'stage'],
  tmbus_records_out_total: ['topic'],
  tmbus_records_dead_lettered_total: ['topic', 'stage'],
  tmbus_processing_latency_seconds: ['lane'],
  tmbus_end_to_end_latency_seconds: ['lane'],
  tmbus_consumer_lag: ['group', 'topic', 'partition'],
  tmbus_rebalances_total: ['group'],
  tmbus_transactions_total: ['result'],
  tmbus_gateway_connections: [],
  tmbus_gateway_subscriptions: [],
  tmbus_gateway_deliveries_total: ['lane'],
  tmbus_gateway_drops_total: ['reason'],
  tmbus_gateway_refusals_total: ['reason'],
};
const HISTOGRAMS = new Set(['tmbus_processing_latency_seconds', 'tmbus_end_to_end_latency_seconds']);
/** Labels Prometheus adds at scrape time (Kubernetes service discovery) and `le` of buckets. */
const TARGET_LABELS = ['pod', 'namespace', 'instance', 'job'];

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => join(e.parentPath, e.name));
}

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is untyped; the assertions below are its schema
type Doc = Record<string, any>;
const yamlDocs = new Map<string, Doc[]>(
  filesUnder(DEPLOY, '.yaml').map((file) => {
    const docs = parseAllDocuments(readFileSync(file, 'utf8'));
    const errors = docs.flatMap((d) => d.errors.map((e) => `${relative(DEPLOY, file)}: ${e.message}`));
    if (errors.length > 0) throw new Error(errors.join('\n'));
    return [relative(DEPLOY, file), docs.map((d) => d.toJS() as Doc)];
  }),
);
const k8s = [...yamlDocs].filter(([f]) => f.startsWith('kubernetes/')).flatMap(([, docs]) => docs);
const find = (kind: string, name: string) => k8s.find((d) => d.kind === kind && d.metadata?.name === name)!;
const alerts: Doc[] = yamlDocs.get('prometheus/alerts.yaml')![0]!.groups.flatMap((g: Doc) => g.rules);
const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana/tmbus-dashboard.json'), 'utf8'));
const dashboardExprs: string[] = [
  ...dashboard.panels.flatMap((p: Doc) => (p.targets ?? []).map((t: Doc) => t.expr)),
  ...dashboard.annotations.list.map((a: Doc) => a.expr),
];

interface Usage {
  metric: string;
  labels: string[];
}

/** Parses PromQL (Grafana's `$__rate_interval` substituted) and lists selectors and grouping labels. */
function analyse(expr: string): { errors: string[]; selectors: Usage[]; grouping: string[] } {
  const text = expr.replaceAll('$__rate_interval', '5m');
  const tree = parser.parse(text);
  const errors: string[] = [];
  const selectors: Usage[] = [];
  const grouping: string[] = [];
  tree.iterate({
    enter(ref) {
      if (ref.type.isError)
        errors.push(`syntax error at ${ref.from}: '${text.slice(ref.from, ref.from + 20)}'`);
      if (ref.name === 'VectorSelector') {
        const id = ref.node.getChild('Identifier');
        const labels = (ref.node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []).map(
          (m) => text.slice(m.getChild('LabelName')!.from, m.getChild('LabelName')!.to),
        );
        if (id) selectors.push({ metric: text.slice(id.from, id.to), labels });
      }
      if (ref.name === 'GroupingLabels') {
        for (const l of ref.node.getChildren('LabelName')) grouping.push(text.slice(l.from, l.to));
      }
    },
  });
  return { errors, selectors, grouping };
}

function checkExpr(where: string, expr: string): void {
  const { errors, selectors, grouping } = analyse(expr);
  expect(errors, `${where}: ${expr}`).toEqual([]);
  expect(selectors.length, `${where} selects no metric`).toBeGreaterThan(0);
  const allowedGrouping = new Set(['le', ...TARGET_LABELS]);
  for (const { metric, labels } of selectors) {
    const base = metric.replace(/_(bucket|sum|count)$/, '');
    const name = HISTOGRAMS.has(base) ? base : metric;
    expect(Object.keys(METRICS), `${where}: unknown metric ${metric}`).toContain(name);
    if (metric !== name)
      expect(metric.endsWith('_bucket') || metric.endsWith('_count') || metric.endsWith('_sum')).toBe(true);
    const allowed = [...METRICS[name]!, ...TARGET_LABELS, ...(metric.endsWith('_bucket') ? ['le'] : [])];
    for (const l of labels) expect(allowed, `${where}: ${metric} has no label '${l}'`).toContain(l);
    for (const l of METRICS[name]!) allowedGrouping.add(l);
  }
  for (const l of grouping)
    expect([...allowedGrouping], `${where}: grouping by unknown label '${l}'`).toContain(l);
}

describe('deploy files', () => {
  it('parse: every YAML document, the dashboard JSON', () => {
    expect(yamlDocs.size).toBeGreaterThanOrEqual(8);
    for (const doc of k8s) {
      expect(doc.apiVersion, JSON.stringify(doc).slice(0, 80)).toBeTypeOf('string');
      expect(doc.kind).toBeTypeOf('string');
      expect(doc.metadata?.name).toBeTypeOf('string');
      expect(doc.metadata?.namespace).toBe('trademaster');
    }
    expect(dashboard.uid).toBe('tmbus-overview');
    expect(dashboard.panels.length).toBeGreaterThan(10);
  });

  it('alert expressions parse and use only exported metrics and labels', () => {
    expect(alerts.length).toBeGreaterThan(8);
    for (const rule of alerts) {
      expect(rule.alert).toMatch(/^Tmbus[A-Za-z]+$/);
      expect(rule.labels?.severity).toMatch(/^(critical|warning|info)$/);
      expect(rule.annotations?.summary).toBeTypeOf('string');
      checkExpr(`alert ${rule.alert}`, rule.expr);
    }
  });

  it('dashboard queries parse and use only exported metrics and labels', () => {
    for (const expr of dashboardExprs) checkExpr('dashboard', expr);
    const used = new Set(
      dashboardExprs.flatMap((e) =>
        analyse(e).selectors.map((s) => s.metric.replace(/_(bucket|count|sum)$/, '')),
      ),
    );
    // The dashboard shows every metric the bus exports.
    expect([...used].sort()).toEqual(Object.keys(METRICS).sort());
    expect(dashboard.templating.list.map((v: Doc) => v.name)).toEqual(['datasource', 'group']);
  });

  it('has a p99 SLO alert per lane at the catalog budget', () => {
    for (const lane of PRIORITIES) {
      const rule = alerts.find((r) => r.expr.includes(`lane="${lane}"`));
      expect(rule, `no SLO alert for ${lane}`).toBeDefined();
      expect(rule!.expr).toMatch(
        /^histogram_quantile\(0\.99, .*tmbus_end_to_end_latency_seconds_bucket\{lane="/,
      );
      const threshold = Number(/> ([\d.]+)$/.exec(rule!.expr)![1]);
      expect(threshold * 1000, lane).toBeCloseTo(PRIORITY_BUDGET_MS[lane], 9);
    }
  });

  it('alerts on consumer lag, dead-letter growth and gateway refusals', () => {
    const exprs = alerts.map((r) => r.expr).join('\n');
    expect(exprs).toMatch(/sum by \(group\) \(tmbus_consumer_lag\) > \d+/);
    expect(exprs).toContain('increase(tmbus_records_dead_lettered_total[5m])');
    expect(exprs).toMatch(/rate\(tmbus_gateway_refusals_total\[5m\]\)/);
  });
});

describe('manifests agree with each other', () => {
  const runtime = find('Deployment', 'tmbus-runtime');
  const gateway = find('Deployment', 'tmbus-gateway');
  const config = find('ConfigMap', 'tmbus-config').data as Record<string, string>;
  const secret = find('Secret', 'tmbus-secrets').stringData as Record<string, string>;

  it('KEDA scales the runtime Deployment on its consumer group lag', () => {
    const scaled = find('ScaledObject', 'tmbus-runtime');
    expect(scaled.apiVersion).toBe('keda.sh/v1alpha1');
    expect(scaled.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: runtime.metadata.name });
    const trigger = scaled.spec.triggers[0];
    expect(trigger.type).toBe('kafka');
    expect(trigger.metadata.consumerGroup).toMatch(/\S/);
    expect(Number(trigger.metadata.lagThreshold)).toBeGreaterThan(0);
    expect(trigger.metadata.bootstrapServers).toBe(config.TMBUS_KAFKA_BROKERS);
    expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(1); // CRITICAL work never waits for a cold start
    expect(scaled.spec.maxReplicaCount).toBeGreaterThan(scaled.spec.minReplicaCount);
    expect(find('TriggerAuthentication', trigger.authenticationRef.name)).toBeDefined();
  });

  it('the HPA scales the gateway on CPU and connections', () => {
    const hpa = find('HorizontalPodAutoscaler', 'tmbus-gateway');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: gateway.metadata.name });
    const metrics = hpa.spec.metrics.map((m: Doc) => m.resource?.name ?? m.pods?.metric?.name);
    expect(metrics).toEqual(['cpu', 'tmbus_gateway_connections']);
  });

  it('Services, probes and PDBs point at real pods and ports', () => {
    const service = find('Service', 'tmbus-gateway');
    expect(gateway.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    for (const deployment of [runtime, gateway]) {
      const labels = deployment.spec.template.metadata.labels;
      expect(labels).toMatchObject(deployment.spec.selector.matchLabels);
      expect(labels).toMatchObject(
        find('PodDisruptionBudget', deployment.metadata.name).spec.selector.matchLabels,
      );
      const container = deployment.spec.template.spec.containers[0];
      const ports = container.ports.map((p: Doc) => p.name);
      for (const probe of ['livenessProbe', 'readinessProbe'])
        expect(ports).toContain(container[probe].httpGet.port);
      expect(container.readinessProbe.httpGet.path).toBe('/readyz');
      expect(container.livenessProbe.httpGet.path).toBe('/healthz');
      expect(container.envFrom.map((e: Doc) => e.configMapRef?.name ?? e.secretRef?.name)).toEqual([
        'tmbus-config',
        'tmbus-secrets',
      ]);
    }
    expect(gateway.spec.template.spec.containers[0].ports.map((p: Doc) => p.name)).toContain(
      service.spec.ports[0].targetPort,
    );
    const ingress = find('Ingress', 'tmbus-gateway');
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe(service.metadata.name);
  });

  it('ConfigMap and Secret are a valid runtime and gateway configuration', () => {
    for (const name of [...Object.keys(config), ...Object.keys(secret)]) {
      if (!name.endsWith('.json')) expect(name).toMatch(/^(TMBUS|OTEL)_[A-Z_]+$/);
    }
    const env = { ...config, ...secret };
    const app = loadAppConfig(undefined, env);
    expect(app.runtime.opsPort).toBe(9464);
    expect(JSON.parse(config['runtime.json']!).runtime.replicationFactor).toBe(3);
    // SIGTERM must finish draining before the kubelet's SIGKILL.
    expect(app.runtime.shutdownTimeoutMs).toBeLessThan(
      runtime.spec.template.spec.terminationGracePeriodSeconds * 1000,
    );
    const jwt = devJwtConfig(env);
    expect(jwt).toMatchObject({ issuer: config.TMBUS_JWT_ISSUER, audience: config.TMBUS_JWT_AUDIENCE });
    for (const d of [runtime, gateway]) {
      expect(d.spec.template.metadata.annotations['prometheus.io/port']).toBe(config.TMBUS_OPS_PORT);
    }
  });
});
