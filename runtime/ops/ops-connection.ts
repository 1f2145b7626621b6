// The connection settings of the ops commands, from flags first and the `TMBUS_*` environment
// second, validated by the same zod schema as everything else. Replay and lag never talk to the
// schema registry, so they run with only a broker list; `chain` asks for the registry explicitly.

import { type ConnectionConfig, connectionConfigSchema, parseConfig } from '../../core/config.js';

export interface OpsConnectionFlags {
  /** Comma-separated bootstrap servers; overrides `TMBUS_KAFKA_BROKERS`. */
  brokers?: string;
  /** Schema registry URL; overrides `TMBUS_REGISTRY_URL`. */
  registry?: string;
}

// A syntactically valid URL that can never resolve (RFC 2606 `.invalid`), standing in for the
// registry in commands that do not use one; a command that did use it would fail loudly.
const NO_REGISTRY = 'http://registry-not-configured.invalid';

/**
 * Builds a validated `ConnectionConfig` for an ops command.
 *
 * @param needsRegistry when true, a missing registry URL is a ConfigError naming `TMBUS_REGISTRY_URL`
 * @throws ConfigError naming the missing or invalid key
 */
export function opsConnectionConfig(
  flags: OpsConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
  needsRegistry = false,
): ConnectionConfig {
  const registry = flags.registry ?? env.TMBUS_REGISTRY_URL ?? (needsRegistry ? undefined : NO_REGISTRY);
  return parseConfig(
    connectionConfigSchema,
    {
      kafka: { brokers: flags.brokers ?? env.TMBUS_KAFKA_BROKERS, clientId: env.TMBUS_CLIENT_ID },
      registry: { url: registry },
      redis: env.TMBUS_REDIS_URL ? { url: env.TMBUS_REDIS_URL } : undefined,
    },
    needsRegistry
      ? 'connection (--brokers / TMBUS_KAFKA_BROKERS, --registry / TMBUS_REGISTRY_URL)'
      : 'connection (--brokers / TMBUS_KAFKA_BROKERS)',
  );
}
