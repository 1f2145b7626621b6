// What `tmbus demo` runs, as one call for the command and the tests: the TradeMaster demo
// (services + topologies, embedded or on Kafka), one gateway in embedded mode (fed by the embedded
// broker's LaneFeed, no Kafka and no Redis) or N gateways on Kafka (one consumer group, Redis
// adapter), and on every gateway's HTTP port the example page at `/`, the dashboard at
// `/dashboard` and Prometheus metrics at `/metrics`. Development tokens are minted for two traders
// with different accounts and a risk manager.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import { startDemo } from '../examples/demo.js';
import type { StartDemoOptions } from '../examples/demo-config.js';
import type { DemoHandle } from '../examples/demo-handle.js';
import { traderPageHtml } from '../examples/web/trader-page.js';
import { dashboardRoutes } from '../gateway/dashboard/dashboard-routes.js';
import { DashboardState } from '../gateway/dashboard/dashboard-state.js';
import {
  avroEventDecoder,
  createGateway,
  type Gateway,
  type GatewayDependencies,
  LaneFeedHistory,
  LaneFeedSource,
  type StandaloneGatewayConfigInput,
} from '../gateway/index.js';
import { registerGatewayMetrics } from '../gateway/observability/gateway-prometheus.js';
import { devJwtConfig, mintDevToken } from './token.js';

export interface DemoStackOptions {
  /** Port of the first gateway (0 = any free port; further gateways take the next ports). @default 3000 */
  readonly port?: number;
  /** Gateway instances (Kafka mode only; the embedded demo runs one). @default 1 */
  readonly gateways?: number;
  /** Passed to `startDemo` (mode, prefix, rates, connection, env …). */
  readonly demo?: StartDemoOptions;
  /** Redis URL of the gateways in Kafka mode. @default `TMBUS_REDIS_URL` */
  readonly redisUrl?: string;
  readonly logger?: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

export interface DemoToken {
  readonly label: string;
  readonly sub: string;
  readonly roles: readonly string[];
  readonly account?: string;
  readonly token: string;
}

export interface DemoStack {
  readonly demo: DemoHandle;
  readonly gateways: readonly Gateway[];
  /** Base URL of each gateway (`http://127.0.0.1:<port>`). */
  readonly urls: readonly string[];
  readonly dashboardUrl: string;
  readonly metricsUrl: string;
  /** The example page of a token: `<url>/?token=…`. */
  pageUrl(token: string): string;
  /** Trader A (the account that runs into its limits), trader B, the risk manager. */
  readonly tokens: readonly [DemoToken, DemoToken, DemoToken];
  stop(): Promise<void>;
}

async function devTokens(demo: DemoHandle, env: NodeJS.ProcessEnv): Promise<DemoStack['tokens']> {
  const jwt = devJwtConfig(env);
  const accounts = demo.directory.accounts;
  const a = accounts.find((x) => x.style === 'aggressive') ?? accounts[0];
  const b = accounts.find((x) => x !== a);
  if (!a || !b) throw new Error('the demo needs two accounts for its trader tokens');
  const mint = async (label: string, sub: string, roles: string[], account?: string) => ({
    label,
    sub,
    roles,
    ...(account ? { account } : {}),
    token: await mintDevToken({ sub, roles, account, jwt, ttlMs: 12 * 3_600_000 }),
  });
  return [
    await mint('trader A', a.userId, ['trader'], a.accountId),
    await mint('trader B', b.userId, ['trader'], b.accountId),
    await mint('risk manager', 'u-risk-desk', ['risk-manager']),
  ];
}

/**
 * `/`, `/dashboard…`, `/metrics` on a gateway's listener. `/metrics` is this instance's scrape
 * target (its gateway metrics plus the process's); the dashboard sums every instance.
 */
function demoRoutes(demo: DemoHandle, registries: readonly Registry[], dashboard: DashboardState) {
  const page = traderPageHtml({
    symbols: demo.symbols,
    accounts: demo.directory.accounts.map((a) => a.accountId),
  });
  const dash = dashboardRoutes(dashboard, 'TradeMaster demo');
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page);
      return true;
    }
    if (path === '/metrics') {
      // Merged per scrape: the gateway registers its metrics after its routes exist.
      const registry = Registry.merge([...registries]);
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return true;
    }
    return dash(req, res);
  };
}

/**
 * Starts the demo, its gateway(s), the example page and the dashboard.
 *
 * @example
 * const stack = await startDemoStack({ port: 0 });
 * console.log(stack.pageUrl(stack.tokens[0].token));
 * await stack.stop();
 */
export async function startDemoStack(options: DemoStackOptions = {}): Promise<DemoStack> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? silentLogger();
  const demo = await startDemo({ logger, env, ...options.demo });
  const gateways: Gateway[] = [];
  const stops: (() => unknown)[] = [() => demo.stop()];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const count = demo.mode === 'embedded' ? 1 : Math.max(1, options.gateways ?? 1);
    const processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
    // One registry per instance: each has its own `/metrics`, as separate processes would.
    const registries = Array.from({ length: count }, () => new Registry());
    const dashboard = new DashboardState({
      registries: [processRegistry, demo.metrics, ...registries],
      topologies: Object.values(demo.plans).map((plan) => ({
        applicationId: plan.applicationId,
        mermaid: plan.describeMermaid(),
        text: plan.describe(),
      })),
    });
    dashboard.start();
    stops.push(() => dashboard.stop());
    const port = options.port ?? 3000;
    const prefix = demo.topics.prefix;
    const urls: string[] = [];
    for (let i = 0; i < count; i++) {
      const instanceId = `${prefix}demo-gw-${i + 1}`;
      const config: StandaloneGatewayConfigInput = {
        instanceId,
        server: { port: port === 0 ? 0 : port + i },
        lanes: { topics: { ...demo.laneTopics }, groupId: `${prefix}tm-gateway` },
        redis: { keyPrefix: `tmbus:gw:${prefix}`, channelPrefix: `tmbus-gw-${prefix}` },
        auth: { jwt: devJwtConfig(env) },
        connection:
          demo.mode === 'embedded'
            ? // Never dialled: the lane source and history reader below replace Kafka.
              { kafka: { brokers: 'in-process' }, registry: { url: 'http://in-process.invalid' } }
            : { ...demo.connection, redis: { url: redisUrlOf(options, demo, env) } },
      };
      const deps: GatewayDependencies = {
        decoder: avroEventDecoder(demo.registry),
        logger,
        httpRoutes: demoRoutes(
          demo,
          // The runtimes' metrics once, on the first instance's scrape target.
          [processRegistry, ...(i === 0 ? [demo.metrics] : []), registries[i] as Registry],
          dashboard,
        ),
      };
      if (demo.mode === 'embedded') {
        const lanes = demo.lanes;
        deps.historyReader = new LaneFeedHistory(lanes);
        deps.laneSource = (sink, gw) => new LaneFeedSource(lanes, sink, gw.config.lanes, gw.logger);
      }
      const gateway = await createGateway(config, deps);
      gateways.push(gateway);
      stops.push(() => gateway.close());
      registerGatewayMetrics({
        registry: registries[i] as Registry,
        metrics: gateway.metrics,
        instanceId: gateway.instanceId,
      });
      urls.push((await gateway.listen()).url);
    }
    const first = urls[0] as string;
    return {
      demo,
      gateways,
      urls,
      dashboardUrl: `${first}/dashboard`,
      metricsUrl: `${first}/metrics`,
      pageUrl: (token) => `${first}/?token=${encodeURIComponent(token)}`,
      tokens: await devTokens(demo, env),
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

function redisUrlOf(options: DemoStackOptions, demo: DemoHandle, env: NodeJS.ProcessEnv): string {
  const url =
    options.redisUrl ??
    (demo.mode === 'kafka' ? demo.connection.redis?.url : undefined) ??
    env.TMBUS_REDIS_URL;
  if (!url) throw new Error('the demo on Kafka needs Redis for its gateways: set TMBUS_REDIS_URL');
  return url;
}
