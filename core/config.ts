// Connection configuration shared by every layer, validated once at start-up with zod and passed
// down. Nothing in the bus hard-codes a broker address: it comes from here.

import { z } from 'zod';
import { ConfigError } from './errors.js';

/** Where the real services are. */
export const connectionConfigSchema = z.object({
  kafka: z.object({
    /**
     * Comma-separated bootstrap servers.
     * @example "127.0.0.1:19092"
     */
    brokers: z.string().min(1),
    /** Prefix of every client id the bus creates. @default "tmbus" */
    clientId: z.string().min(1).default('tmbus'),
    /** Extra librdkafka properties, passed through untouched. @default {} */
    librdkafka: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  }),
  registry: z.object({
    /**
     * Base URL of a Confluent-compatible schema registry.
     * @example "http://127.0.0.1:18081/apis/ccompat/v7"
     */
    url: z.url(),
  }),
  redis: z
    .object({
      /** @example "redis://127.0.0.1:16379" */
      url: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://'),
    })
    .optional(),
});

export type ConnectionConfig = z.infer<typeof connectionConfigSchema>;

/**
 * Parses `input` with `schema`, turning the first problems into one `ConfigError` that names the
 * offending keys and what is accepted.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  source = 'configuration',
): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const key = issue.path.map(String).join('.') || '(root)';
    return `  ${key}: ${issue.message}${describeAccepted(issue)}`;
  });
  const firstKey = result.error.issues[0]?.path.map(String).join('.');
  throw new ConfigError(`invalid ${source}:\n${lines.join('\n')}`, {
    context: firstKey ? { configKey: firstKey } : {},
  });
}

function describeAccepted(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return ` (accepted: ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`;
  }
  return '';
}

/**
 * Reads connection configuration from the environment:
 * `TMBUS_KAFKA_BROKERS`, `TMBUS_REGISTRY_URL`, `TMBUS_REDIS_URL`, `TMBUS_CLIENT_ID`.
 */
export function connectionConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ConnectionConfig {
  return parseConfig(
    connectionConfigSchema,
    {
      kafka: { brokers: env.TMBUS_KAFKA_BROKERS, clientId: env.TMBUS_CLIENT_ID },
      registry: { url: env.TMBUS_REGISTRY_URL },
      redis: env.TMBUS_REDIS_URL ? { url: env.TMBUS_REDIS_URL } : undefined,
    },
    'environment (TMBUS_KAFKA_BROKERS, TMBUS_REGISTRY_URL, TMBUS_REDIS_URL)',
  );
}
