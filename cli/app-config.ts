// Configuration of a `tmbus` process: a JSON file (`--config`) overlaid by TMBUS_* environment
// variables, validated once with zod before anything starts. A bad value stops the process with
// the offending key and the accepted values.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { connectionConfigSchema, parseConfig } from '../core/config.js';
import { ConfigError } from '../core/errors.js';

export const appConfigSchema = connectionConfigSchema.extend({
  runtime: z
    .object({
      /** @default "at_least_once" */
      guarantee: z.enum(['at_least_once', 'exactly_once']).default('at_least_once'),
      /** Stable per instance (pod name): exactly-once fences zombies by it. @default hostname */
      instanceId: z.string().min(1).optional(),
      /** @default 100 */
      commitIntervalMs: z.number().int().positive().default(100),
      /** @default 30000 */
      shutdownTimeoutMs: z.number().int().positive().default(30_000),
      /** Port of /metrics, /healthz, /readyz. @default 9464 */
      opsPort: z.number().int().min(0).max(65535).default(9464),
      /** @default "0.0.0.0" */
      opsHost: z.string().default('0.0.0.0'),
      /** Replication factor of topics the runtime creates. @default 1 */
      replicationFactor: z.number().int().positive().default(1),
      /** Runtime processes on this machine, in one consumer group (`tmbus run --workers`). @default 1 */
      workers: z.number().int().min(1).max(64).default(1),
    })
    .default({
      guarantee: 'at_least_once',
      commitIntervalMs: 100,
      shutdownTimeoutMs: 30_000,
      opsPort: 9464,
      opsHost: '0.0.0.0',
      replicationFactor: 1,
      workers: 1,
    }),
});

export type AppConfig = z.infer<typeof appConfigSchema>;

function readFile(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`cannot read configuration file '${path}': ${(e as Error).message}`, {
      context: { configKey: '--config' },
    });
  }
}

const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

/** File values, then environment values on top; validated. */
export function loadAppConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): AppConfig {
  const base = file ? readFile(file) : {};
  const fromFile = (key: string) => (base[key] ?? {}) as Record<string, unknown>;
  const defined = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const merged = {
    ...base,
    kafka: {
      ...fromFile('kafka'),
      ...defined({ brokers: env.TMBUS_KAFKA_BROKERS, clientId: env.TMBUS_CLIENT_ID }),
    },
    registry: { ...fromFile('registry'), ...defined({ url: env.TMBUS_REGISTRY_URL }) },
    redis: env.TMBUS_REDIS_URL ? { url: env.TMBUS_REDIS_URL } : base.redis,
    runtime: {
      ...fromFile('runtime'),
      ...defined({
        guarantee: env.TMBUS_GUARANTEE,
        instanceId: env.TMBUS_INSTANCE_ID,
        commitIntervalMs: num(env.TMBUS_COMMIT_INTERVAL_MS),
        shutdownTimeoutMs: num(env.TMBUS_SHUTDOWN_TIMEOUT_MS),
        opsPort: num(env.TMBUS_OPS_PORT),
        workers: num(env.TMBUS_WORKERS),
      }),
    },
  };
  return parseConfig(
    appConfigSchema,
    merged,
    file ? `configuration (${file} + environment)` : 'configuration (environment)',
  );
}
