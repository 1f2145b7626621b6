// The zero-setup demo's dashboard in headless Chromium: the topologies run on StreamsRuntime over
// the in-process transport with RuntimeMetrics, so the page shows live in/out rates and, for every
// lane that carries traffic, records processed per second and a p99 latency (it used to read
// `in 0 rec/s · out 0 rec/s` and "–" for every lane).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from '../../../cli/demo-stack.js';
import { ARTIFACTS, launchChromium } from '../../support/browser.js';

interface LaneRow {
  lane: string;
  processed: number;
  p99: string;
}

describe('the embedded demo dashboard', () => {
  it('shows non-zero in/out rates and a p99 for each lane that carries traffic', async () => {
    const stack: DemoStack = await startDemoStack({
      port: 0,
      env: {},
      demo: {
        mode: 'embedded',
        seed: 7,
        env: {},
        rates: { orders: 20, marketData: 200, agents: 5, notifications: 5, health: 5 },
      },
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(stack.dashboardUrl);
      const rows = async (): Promise<LaneRow[]> =>
        page.$$eval('#lanes tbody tr', (trs) =>
          trs.map((tr) => {
            const cells = (tr as HTMLTableRowElement).cells;
            return {
              lane: cells[0]?.textContent ?? '',
              processed: Number(cells[1]?.textContent),
              p99: cells[3]?.textContent ?? '',
            };
          }),
        );
      await page.waitForFunction(
        () =>
          Number(document.getElementById('in')?.textContent) > 0 &&
          Number(document.getElementById('out')?.textContent) > 0,
        undefined,
        { timeout: 30_000 },
      );
      // Market data (HIGH), positions (STANDARD) and health checks (BACKGROUND) flow all the time.
      await page.waitForFunction(
        () =>
          ['HIGH', 'STANDARD', 'BACKGROUND'].every((lane) => {
            const row = [...document.querySelectorAll<HTMLTableRowElement>('#lanes tbody tr')].find(
              (r) => r.cells[0]?.textContent === lane,
            );
            return Number(row?.cells[1]?.textContent) > 0 && Number(row?.cells[3]?.textContent) > 0;
          }),
        undefined,
        { timeout: 30_000 },
      );
      expect(Number(await page.locator('#in').textContent())).toBeGreaterThan(0);
      expect(Number(await page.locator('#out').textContent())).toBeGreaterThan(0);
      const lanes = await rows();
      const busy = lanes.filter((r) => r.processed > 0);
      expect(busy.map((r) => r.lane)).toEqual(expect.arrayContaining(['HIGH', 'STANDARD', 'BACKGROUND']));
      for (const row of busy) expect(Number(row.p99), `p99 of ${row.lane}`).toBeGreaterThan(0);
      // The JSON the page polls says the same.
      const state = (await (await fetch(`${stack.dashboardUrl}/state`)).json()) as {
        recordsInPerSec: number;
        recordsOutPerSec: number;
      };
      expect(state.recordsInPerSec).toBeGreaterThan(0);
      expect(state.recordsOutPerSec).toBeGreaterThan(0);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'demo-dashboard.png'), fullPage: true });
    } finally {
      await browser.close();
      await stack.stop();
    }
  }, 90_000);
});
