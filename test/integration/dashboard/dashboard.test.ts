// The dashboard in real headless Chromium against a runtime on the real broker: the page loads,
// draws the topology graph, and shows an input rate that moves while events flow. A screenshot is
// saved to test-results/dashboard.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { HEADERS } from '../../../core/headers.js';
import { dashboardRoutes } from '../../../gateway/dashboard/dashboard-routes.js';
import { DashboardState } from '../../../gateway/dashboard/dashboard-state.js';
import { StreamsRuntime } from '../../../runtime/engine/streams-runtime.js';
import { domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import { startOpsServer } from '../../../runtime/observability/ops-server.js';
import { RuntimeMetrics } from '../../../runtime/observability/runtime-metrics.js';
import { Serdes, TopologyBuilder } from '../../../topology/index.js';
import { ARTIFACTS, launchChromium } from '../../support/browser.js';
import { produceAll, waitFor } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const connection = servicesConfig();
const topicManager = new TopicManager(connection);
const cleanup: string[] = [];
afterAll(() => topicManager.delete(cleanup));

describe('dashboard', () => {
  it('shows the topology graph and a live rate in headless Chromium', async () => {
    const app = uniqueName('dash');
    const input = uniqueName('quotes');
    const output = uniqueName('alerts');
    cleanup.push(input, output, `${app}-dlq`);
    await topicManager.ensure([domainTopic(input, 2), domainTopic(output, 2)]);
    const b = new TopologyBuilder();
    b.stream(input, { key: Serdes.string(), value: Serdes.json<{ px: number }>(), name: 'quotes' })
      .filter((q) => q.px > 100, { name: 'above-100' })
      .mapValues((q) => ({ ...q, alert: true }), {
        name: 'to-alert',
        valueSerde: Serdes.json<{ px: number; alert: boolean }>(),
      })
      .to(output, { name: 'alerts-out' });
    const plan = b.build({ applicationId: app });
    const registry = new Registry();
    const runtime = new StreamsRuntime({
      connection,
      plan,
      metrics: new RuntimeMetrics(registry),
      commitIntervalMs: 50,
    });
    const state = new DashboardState({
      registries: [registry],
      topologies: [{ applicationId: app, mermaid: plan.describeMermaid(), text: plan.describe() }],
      intervalMs: 500,
    });
    state.start();
    const ops = await startOpsServer({ registry, handlers: [dashboardRoutes(state)] });
    const browser = await launchChromium();
    let flowing = true;
    try {
      await runtime.start();
      await waitFor(() => runtime.ready, 60_000, 'runtime ready');
      const feed = (async () => {
        let i = 0;
        while (flowing) {
          await produceAll(
            connection,
            Array.from({ length: 200 }, () => ({
              topic: input,
              key: `S${i % 7}`,
              value: JSON.stringify({ px: 90 + (i++ % 20) }),
              headers: { [HEADERS.priority]: Buffer.from('HIGH') },
            })),
          );
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(`${ops.url}/dashboard`);
      await page.waitForSelector('[data-topology] svg', { timeout: 30_000 });
      const graphText = await page.locator('[data-topology] svg').textContent();
      expect(graphText).toContain('above-100');
      expect(graphText).toContain('to-alert');
      await page.waitForFunction(() => Number(document.getElementById('in')?.textContent) > 0, undefined, {
        timeout: 30_000,
      });
      // The HIGH lane row shows records processed per second and a p99 latency.
      await page.waitForFunction(
        () => {
          const row = [...document.querySelectorAll<HTMLTableRowElement>('#lanes tbody tr')].find(
            (r) => r.cells[0]?.textContent === 'HIGH',
          );
          return Number(row?.cells[1]?.textContent) > 0 && Number(row?.cells[3]?.textContent) > 0;
        },
        undefined,
        { timeout: 30_000 },
      );
      const firstRate = await page.locator('#in').textContent();
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
      flowing = false;
      await feed;
      // With the feed stopped the rate falls back: the figure on the page really is live.
      await page.waitForFunction(
        (before) => document.getElementById('in')?.textContent !== before,
        firstRate,
        { timeout: 30_000 },
      );
    } finally {
      flowing = false;
      await browser.close();
      state.stop();
      await ops.close();
      await runtime.stop();
    }
  });
});
