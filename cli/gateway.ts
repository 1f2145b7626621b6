// `tmbus gateway`: one gateway instance on the real stack — Kafka lanes in one consumer group,
// Redis adapter, JWT auth — with /metrics, /healthz, /readyz and the dashboard on an operations
// port. Configuration: an optional JSON file (`--config`, the gateway schema) under the TMBUS_*
// environment; validated before anything starts.

import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { Registry } from 'prom-client';
import { connectionConfigFromEnv } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { dashboardRoutes } from '../gateway/dashboard/dashboard-routes.js';
import { DashboardState } from '../gateway/dashboard/dashboard-state.js';
import { createGateway, type GatewayConfigInput } from '../gateway/index.js';
import { registerGatewayMetrics } from '../gateway/observability/gateway-prometheus.js';
import { stopOnSignals } from '../runtime/engine/signals.js';
import { domainTopic, TopicManager } from '../runtime/kafka/topics.js';
import { startOpsServer } from '../runtime/observability/ops-server.js';
import { laneTopic, PRIORITIES } from '../schemas/catalog.js';
import { devJwtConfig } from './token.js';

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`cannot read gateway configuration '${path}': ${(e as Error).message}`, {
      context: { configKey: '--config' },
    });
  }
}

/** The gateway configuration `tmbus gateway` starts with (exported for tests). */
export function gatewayConfigFrom(
  opts: { config?: string; port?: string },
  env: NodeJS.ProcessEnv = process.env,
): GatewayConfigInput {
  const file = opts.config ? readJson(opts.config) : {};
  const connection = connectionConfigFromEnv(env);
  if (!connection.redis)
    throw new ConfigError('the gateway needs Redis: set TMBUS_REDIS_URL (e.g. redis://127.0.0.1:16379)', {
      context: { configKey: 'redis.url' },
    });
  const port = Number(opts.port ?? env.TMBUS_GATEWAY_PORT ?? 3000);
  const jwksUrl = env.TMBUS_JWT_JWKS_URL;
  const jwt = jwksUrl
    ? { jwksUrl, issuer: env.TMBUS_JWT_ISSUER, audience: env.TMBUS_JWT_AUDIENCE }
    : devJwtConfig(env);
  return {
    ...file,
    connection: { ...connection, redis: connection.redis },
    server: { ...((file.server as object) ?? {}), port },
    auth: (file.auth as GatewayConfigInput['auth']) ?? { jwt },
  } as GatewayConfigInput;
}

export function gatewayCommand(): Command {
  return new Command('gateway')
    .description(
      'run a Socket.IO gateway instance (Kafka lanes, Redis adapter, JWT) with metrics and the dashboard',
    )
    .option('-p, --port <port>', 'Socket.IO port (TMBUS_GATEWAY_PORT)', undefined)
    .option(
      '-c, --config <file>',
      'JSON gateway configuration (TMBUS_* environment variables override addresses)',
    )
    .option(
      '--ops-port <port>',
      'port of /metrics, /healthz, /readyz and /dashboard (TMBUS_OPS_PORT)',
      undefined,
    )
    .action(async (opts: { port?: string; config?: string; opsPort?: string }) => {
      const logger = createLogger({ name: 'tmbus-gateway' });
      const config = gatewayConfigFrom(opts);
      // Lane topics the runtime has not written yet are created (30 days, TMBUS_LANE_PARTITIONS).
      const topics = new TopicManager(connectionConfigFromEnv());
      const lanes = Object.values(
        config.lanes?.topics ?? Object.fromEntries(PRIORITIES.map((p) => [p, laneTopic(p)])),
      );
      const existing = await topics.describe(lanes);
      const partitions = Number(process.env.TMBUS_LANE_PARTITIONS ?? 6);
      await topics.ensure(lanes.filter((t) => !existing.has(t)).map((t) => domainTopic(t, partitions)));
      const gateway = await createGateway(config, { logger });
      const registry = new Registry();
      registerGatewayMetrics({ registry, metrics: gateway.metrics, instanceId: gateway.instanceId });
      const state = new DashboardState({ registries: [registry] });
      state.start();
      const ops = await startOpsServer({
        registry,
        host: '0.0.0.0',
        port: Number(opts.opsPort ?? process.env.TMBUS_OPS_PORT ?? 9465),
        checks: { lanes: () => gateway.lanePartitions().length > 0 },
        handlers: [dashboardRoutes(state)],
      });
      const { url } = await gateway.listen();
      stopOnSignals(
        [{ stop: () => gateway.close() }, { stop: () => ops.close() }, { stop: async () => state.stop() }],
        { logger },
      );
      logger.info({ url, ops: ops.url, instanceId: gateway.instanceId }, 'gateway listening');
    });
}
