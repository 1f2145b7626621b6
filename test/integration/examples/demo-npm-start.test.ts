// `npm start`'s entry point as a user runs it: `tmbus demo --port 0` in a child process, embedded
// mode (no Kafka, registry or Redis involved). The printed URLs and development tokens are parsed;
// trader A's client receives market data, orders, portfolio events and a CRITICAL risk alert,
// trader B is refused A's orders; the example page shows live events in headless Chromium; and
// SIGINT stops the demo with exit code 0.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SYMBOLS } from '../../../examples/services/market-data-feed.js';
import { type Delivery, GatewayClient } from '../../../gateway/client/index.js';
import { ARTIFACTS, launchChromium } from '../../support/browser.js';
import { type DemoTrader, expectTradersIsolated, waitUntil } from '../../support/demo-clients.js';

const ROOT = join(import.meta.dirname, '../../..');
let child: ChildProcess | undefined;
let out = '';
let exit: Promise<number | null> | undefined;

interface Printed {
  page: string;
  gateway: string;
  dashboard: string;
  metrics: string;
  tokens: Map<string, { sub: string; account?: string; token: string }>;
}

function parse(text: string): Printed {
  const line = (label: string) => new RegExp(`${label}:\\s+(\\S+)`).exec(text)?.[1] ?? '';
  const tokens = new Map<string, { sub: string; account?: string; token: string }>();
  const re =
    /^ {2}(trader A|trader B|risk manager)\s+sub=(\S+) roles=\S+(?: account=(\S+))?\n\s+token=(\S+)/gm;
  for (const m of text.matchAll(re))
    tokens.set(m[1] as string, { sub: m[2] as string, account: m[3], token: m[4] as string });
  return {
    page: line('Example page'),
    gateway: line('Gateway 1'),
    dashboard: line('Dashboard'),
    metrics: line('Metrics'),
    tokens,
  };
}

let printed: Printed;

beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'demo', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, TMBUS_DEMO_MODE: 'embedded', TMBUS_DEMO_SPEED: '2', TMBUS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  exit = new Promise((resolve) => child?.once('exit', (code) => resolve(code)));
  await waitUntil(
    () => out.includes('Press Ctrl-C') || child?.exitCode != null,
    90_000,
    () => `the demo to start:\n${out}`,
  );
  printed = parse(out);
  expect(printed.tokens.size, out).toBe(3);
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode == null) {
    child.kill('SIGKILL');
    await exit;
  }
});

function trader(label: string): DemoTrader {
  const t = printed.tokens.get(label);
  if (!t?.account) throw new Error(`no ${label} token in:\n${out}`);
  return { url: printed.gateway, token: t.token, sub: t.sub, account: t.account };
}

describe('npm start (tmbus demo, embedded)', () => {
  it('prints the example page, dashboard and metrics URLs and three development tokens', async () => {
    expect(printed.page).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(printed.dashboard).toBe(`${printed.gateway}/dashboard`);
    expect((await fetch(printed.dashboard)).status).toBe(200);
    const metrics = await (await fetch(printed.metrics)).text();
    expect(metrics).toContain('tmbus_gateway_connections');
    expect(printed.tokens.get('trader A')?.account).not.toBe(printed.tokens.get('trader B')?.account);
    expect(printed.tokens.get('risk manager')?.account).toBeUndefined();
  });

  it("delivers trader A's market, order, portfolio events and a CRITICAL alert; B gets none of A's orders", async () => {
    const symbols = DEFAULT_SYMBOLS.map((s) => s.symbol);
    const got = await expectTradersIsolated(trader('trader A'), trader('trader B'), symbols, 60_000);
    expect(got.a.length).toBeGreaterThan(10);
  });

  it('resumes a reconnecting client from its cursor out of the embedded broker, without a gap', async () => {
    const a = trader('trader A');
    const client = new GatewayClient({ url: a.url, token: a.token });
    const got: Delivery[] = [];
    const gaps: unknown[] = [];
    client.onChannel(`market:${DEFAULT_SYMBOLS[0]?.symbol}`, (d) => got.push(d));
    client.onResumeGap((g) => gaps.push(g));
    try {
      await client.connect();
      expect(await client.subscribe(`market:${DEFAULT_SYMBOLS[0]?.symbol}`)).toMatchObject({ ok: true });
      await waitUntil(
        () => got.length > 0,
        30_000,
        () => 'a first market event',
      );
      client.socket.disconnect();
      const seen = got.length;
      await new Promise((r) => setTimeout(r, 1500)); // events published meanwhile are missed live
      client.socket.connect();
      await waitUntil(
        () => got.length > seen + 5,
        30_000,
        () => 'events after the reconnect',
      );
      expect(gaps).toEqual([]);
      const offsets = new Map<number, number[]>();
      for (const d of got)
        offsets.set(d.position.partition, [...(offsets.get(d.position.partition) ?? []), d.position.offset]);
      for (const list of offsets.values()) expect(list).toEqual([...list].sort((x, y) => x - y));
      const metrics = await (await fetch(printed.metrics)).text();
      const replayed = /tmbus_gateway_replayed_records_total\{[^}]*\} (\d+)/.exec(metrics)?.[1];
      expect(Number(replayed ?? 0)).toBeGreaterThan(0);
    } finally {
      client.close();
    }
  });

  it('shows live events on the example page in headless Chromium', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(printed.page);
      await page.waitForFunction(
        () =>
          ['market', 'orders', 'portfolio', 'risk'].every(
            (k) => Number(document.getElementById(`count-${k}`)?.textContent ?? 0) > 0,
          ),
        undefined,
        { timeout: 60_000 },
      );
      expect(await page.locator('#ticker tr').count()).toBeGreaterThan(0);
      expect(await page.locator('#risk li.CRITICAL').count()).toBeGreaterThan(0);
      expect(await page.textContent('#status')).toContain('connected');
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'demo-page.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it('stops cleanly on SIGINT', async () => {
    child?.kill('SIGINT');
    expect(await exit).toBe(0);
  });
});
