// The demo's options, and how they are resolved: explicit options first, then the environment
// (`TMBUS_DEMO_*`, and `TMBUS_KAFKA_BROKERS` / `TMBUS_REGISTRY_URL` for Kafka mode), then defaults.
// The environment is validated once, here, so a typo in a variable is a start-up error naming it.

import { z } from 'zod';
import { type ConnectionConfig, connectionConfigFromEnv, parseConfig } from '../core/config.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { DEMO_ACCOUNTS, type DemoAccount } from './accounts.js';
import { DEFAULT_SYMBOLS, type SymbolSpec } from './services/market-data-feed.js';
import type { Burst } from './services/pacing.js';
import { type DemoTopics, demoTopics } from './topics.js';
import type { RiskPolicy } from './topologies/risk.js';

/** Where the demo runs. */
export type DemoMode = 'embedded' | 'kafka';

/** Event rates of the services, per second (before `speed`). */
export interface DemoRates {
  /** Market-data events over all symbols. @default 150 */
  readonly marketData: number;
  /** New orders (each causes 1–4 more order events). @default 4 */
  readonly orders: number;
  /** @default 0.5 */
  readonly agents: number;
  /** @default 0.5 */
  readonly notifications: number;
  /** Health checks and analytics updates. @default 0.5 */
  readonly health: number;
}

export const DEFAULT_RATES: DemoRates = {
  marketData: 150,
  orders: 4,
  agents: 0.5,
  notifications: 0.5,
  health: 0.5,
};

/** The default market-data burst: 4× the rate for 1.5 s every 15 s. */
export const DEFAULT_BURST: Burst = { everyMs: 15_000, durationMs: 1_500, multiplier: 4 };

export interface StartDemoOptions {
  /** @default `TMBUS_DEMO_MODE`, else 'embedded' */
  readonly mode?: DemoMode;
  /**
   * Prefix of every topic, application id and registry subject (run several demos, or tests, on one cluster).
   * @default `TMBUS_DEMO_TOPIC_PREFIX`, else ''
   * @example 'it-4f2a.'
   */
  readonly topicPrefix?: string;
  /** @default DEFAULT_RATES */
  readonly rates?: Partial<DemoRates>;
  /** Multiplies every rate. @default `TMBUS_DEMO_SPEED`, else 1 */
  readonly speed?: number;
  /** Market-data bursts; false for a flat rate. @default DEFAULT_BURST */
  readonly burst?: Burst | false;
  /** @default DEFAULT_SYMBOLS */
  readonly symbols?: readonly (string | SymbolSpec)[];
  /** @default DEMO_ACCOUNTS */
  readonly accounts?: readonly DemoAccount[];
  /** Seed of the simulated market and order flow. @default Date.now() */
  readonly seed?: number;
  /** Partitions of the demo's topics. @default `TMBUS_DEMO_PARTITIONS`, else 3 */
  readonly partitions?: number;
  /** Instances of each topology application (one consumer group each). @default `TMBUS_DEMO_RUNTIME_INSTANCES`, else 1 */
  readonly runtimeInstances?: number;
  /** Inactivity timeout of order-lifecycle chains, ms. @default 30_000 */
  readonly chainTimeoutMs?: number;
  /** @default the policy's defaults */
  readonly riskPolicy?: RiskPolicy;
  /** Start the services (false runs the topologies only, for a caller that publishes itself). @default true */
  readonly services?: boolean;
  /**
   * Embedded mode: records kept per partition of the in-process broker (oldest dropped, compacted
   * topics keep the latest per key), so a demo left running does not grow without bound.
   * @default 100_000
   */
  readonly retainRecordsPerPartition?: number;
  /** Kafka mode: brokers and registry. @default from `TMBUS_KAFKA_BROKERS`, `TMBUS_REGISTRY_URL` */
  readonly connection?: ConnectionConfig;
  /** @default silent */
  readonly logger?: Logger;
  /** Environment to read `TMBUS_*` from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** Options after resolution. */
export interface DemoConfig {
  readonly mode: DemoMode;
  readonly topics: DemoTopics;
  readonly rates: DemoRates;
  readonly burst: Burst | undefined;
  readonly symbols: readonly (string | SymbolSpec)[];
  readonly accounts: readonly DemoAccount[];
  readonly seed: number;
  readonly partitions: number;
  readonly runtimeInstances: number;
  readonly chainTimeoutMs: number;
  readonly riskPolicy: RiskPolicy;
  readonly services: boolean;
  readonly retainRecordsPerPartition: number;
  /** Kafka mode only. */
  readonly connection: ConnectionConfig | undefined;
  readonly logger: Logger;
}

const count = (max: number) => z.coerce.number().int().min(1).max(max);

const envSchema = z.object({
  TMBUS_DEMO_MODE: z.enum(['embedded', 'kafka']).optional(),
  TMBUS_DEMO_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, ., _, - only')
    .optional(),
  TMBUS_DEMO_SPEED: z.coerce.number().positive().max(100).optional(),
  TMBUS_DEMO_PARTITIONS: count(64).optional(),
  TMBUS_DEMO_RUNTIME_INSTANCES: count(16).optional(),
});

/** Resolves options against the environment and defaults. Throws `ConfigError` naming a bad key. */
export function resolveDemoConfig(options: StartDemoOptions = {}): DemoConfig {
  const raw = options.env ?? process.env;
  const env = parseConfig(
    envSchema,
    Object.fromEntries(Object.keys(envSchema.shape).map((k) => [k, raw[k] || undefined])),
    'demo environment (TMBUS_DEMO_*)',
  );
  const mode = options.mode ?? env.TMBUS_DEMO_MODE ?? 'embedded';
  const speed = options.speed ?? env.TMBUS_DEMO_SPEED ?? 1;
  const base = { ...DEFAULT_RATES, ...options.rates };
  const rates = Object.fromEntries(
    Object.entries(base).map(([k, v]) => [k, v * speed]),
  ) as unknown as DemoRates;
  const validated = parseConfig(
    z.object({
      partitions: count(64),
      runtimeInstances: count(16),
      chainTimeoutMs: z.number().int().positive(),
      retainRecordsPerPartition: z.number().int().min(1000),
    }),
    {
      partitions: options.partitions ?? env.TMBUS_DEMO_PARTITIONS ?? 3,
      runtimeInstances: options.runtimeInstances ?? env.TMBUS_DEMO_RUNTIME_INSTANCES ?? 1,
      chainTimeoutMs: options.chainTimeoutMs ?? 30_000,
      retainRecordsPerPartition: options.retainRecordsPerPartition ?? 100_000,
    },
    'demo options',
  );
  return {
    mode,
    topics: demoTopics(options.topicPrefix ?? env.TMBUS_DEMO_TOPIC_PREFIX ?? ''),
    rates,
    burst: options.burst === false ? undefined : (options.burst ?? DEFAULT_BURST),
    symbols: options.symbols ?? DEFAULT_SYMBOLS,
    accounts: options.accounts ?? DEMO_ACCOUNTS,
    seed: options.seed ?? Date.now(),
    ...validated,
    riskPolicy: options.riskPolicy ?? {},
    services: options.services ?? true,
    connection: mode === 'kafka' ? (options.connection ?? connectionConfigFromEnv(raw)) : undefined,
    logger: options.logger ?? silentLogger(),
  };
}
