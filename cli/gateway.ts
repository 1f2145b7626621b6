// `tmbus gateway`: one gateway instance on the real stack — Kafka lanes in one consumer group,
// Redis adapter, JWT auth — with /metrics, /healthz, /readyz and the dashboard on an operations
// port. Configuration: an optional JSON file (`--config`, the gateway schema) under the TMBUS_*
// environment; validated before anything starts.
//
// Fail closed: without JWT settings (or with a published placeholder secret, or one under 32
// bytes) the command refuses to start and names the settings to give. `--dev` is the one way to
// verify tokens with the public development secret of `tmbus token`; `tmbus demo` does so itself.

import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { Registry } from 'prom-client';
import { connectionConfigFromEnv } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { type JwtConfig, weakJwtSecret } from '../gateway/auth/authConfig.js';
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

/** What `tmbus gateway` says when it has no JWT settings. */
export const JWT_SETTINGS_HINT =
  'set TMBUS_JWT_SECRET (HS256, at least 32 random bytes) or TMBUS_JWT_JWKS_URL (RS256/ES256 keys of ' +
  'your identity provider), with TMBUS_JWT_ISSUER and TMBUS_JWT_AUDIENCE; or give `auth` ' +
  '(auth.jwt.secret | publicKeys | jwksUrl, or auth.apiKeys) in the --config file. ' +
  'For local development only, pass --dev to accept tokens from `tmbus token`';

export interface GatewayCliOptions {
  config?: string;
  port?: string;
  /** Development mode: without JWT settings, verify with the public development secret. */
  dev?: boolean;
}

/** The gateway configuration `tmbus gateway` starts with (exported for tests). */
export function gatewayConfigFrom(
  opts: GatewayCliOptions,
  env: NodeJS.ProcessEnv = process.env,
): GatewayConfigInput {
  const file = opts.config ? readJson(opts.config) : {};
  const connection = connectionConfigFromEnv(env);
  if (!connection.redis)
    throw new ConfigError('the gateway needs Redis: set TMBUS_REDIS_URL (e.g. redis://127.0.0.1:16379)', {
      context: { configKey: 'redis.url' },
    });
  const port = Number(opts.port ?? env.TMBUS_GATEWAY_PORT ?? 3000);
  const auth = (file.auth as GatewayConfigInput['auth'] | undefined) ?? { jwt: jwtFromEnv(opts, env) };
  if (!opts.dev) refuseWeakSecret(auth.jwt?.secret, file.auth ? 'auth.jwt.secret' : 'TMBUS_JWT_SECRET');
  return {
    ...file,
    connection: { ...connection, redis: connection.redis },
    server: { ...((file.server as object) ?? {}), port },
    auth,
  } as GatewayConfigInput;
}

/** JWT settings from TMBUS_JWT_*; the development ones only under --dev. */
function jwtFromEnv(opts: GatewayCliOptions, env: NodeJS.ProcessEnv): GatewayConfigInput['auth']['jwt'] {
  const jwksUrl = env.TMBUS_JWT_JWKS_URL;
  const secret = env.TMBUS_JWT_SECRET;
  if (!jwksUrl && !secret) {
    if (opts.dev) return devJwtConfig(env);
    throw new ConfigError(
      `no JWT settings: the gateway verifies tokens only with keys you give: ${JWT_SETTINGS_HINT}`,
      {
        context: { configKey: 'TMBUS_JWT_SECRET' },
      },
    );
  }
  if (opts.dev && !jwksUrl) return devJwtConfig(env);
  const missing = ['TMBUS_JWT_ISSUER', 'TMBUS_JWT_AUDIENCE'].filter((k) => !env[k]);
  if (missing.length > 0)
    throw new ConfigError(
      `${missing.join(' and ')} must be set: tokens are checked against the issuer and audience you expect`,
      { context: { configKey: missing[0] } },
    );
  const common = { issuer: env.TMBUS_JWT_ISSUER!, audience: env.TMBUS_JWT_AUDIENCE! };
  if (jwksUrl) return { jwksUrl, ...common, ...(secret ? { secret } : {}) } as JwtConfig;
  return { algorithms: ['HS256'], secret, ...common } as JwtConfig;
}

function refuseWeakSecret(secret: string | undefined, key: string): void {
  if (secret === undefined) return;
  const problem = weakJwtSecret(secret);
  if (problem)
    throw new ConfigError(
      `${key} ${problem}. Generate one (e.g. \`openssl rand -base64 48\`) and keep it in your secret store, or use TMBUS_JWT_JWKS_URL; --dev accepts it for local development only`,
      { context: { configKey: key } },
    );
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
    .option(
      '--dev',
      'development mode: without TMBUS_JWT_* settings, accept tokens signed with the public development secret (`tmbus token`); never in production',
    )
    .addHelpText('after', `\nJWT settings are required outside --dev: ${JWT_SETTINGS_HINT}.`)
    .action(async (opts: GatewayCliOptions & { opsPort?: string }) => {
      const logger = createLogger({ name: 'tmbus-gateway' });
      const config = gatewayConfigFrom(opts);
      if (opts.dev)
        logger.warn(
          'development mode (--dev): tokens signed with the public development secret are accepted',
        );
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
        checks: { lanes: () => !gateway.halted() && gateway.lanePartitions().length > 0 },
        handlers: [dashboardRoutes(state)],
      });
      const { url } = await gateway.listen();
      const components = [
        { stop: () => gateway.close() },
        { stop: () => ops.close() },
        { stop: async () => state.stop() },
      ];
      stopOnSignals(components, { logger });
      // A record that could be neither delivered nor dead-lettered (registry unreachable past
      // lanes.decodeRetry): exit non-zero so the orchestrator restarts the instance, which re-reads
      // the record, rather than run on without delivering.
      gateway.onHalt((err) => {
        console.error(`tmbus: ${err.code}: ${err.message}`);
        void (async () => {
          for (const c of components) await c.stop().catch(() => undefined);
          process.exit(1);
        })();
      });
      logger.info({ url, ops: ops.url, instanceId: gateway.instanceId }, 'gateway listening');
    });
}
