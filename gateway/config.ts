// The gateway's configuration: one zod schema, validated once by `createGateway` (a bad key is a
// ConfigError naming it at start-up). Addresses come only from here; every default is documented
// where it is declared.

import { z } from 'zod';
import { connectionConfigSchema, parseConfig } from '../core/config.js';
import { laneTopic, type Priority } from '../schemas/catalog.js';
import { authConfigSchema } from './auth/authConfig.js';
import { policyConfigSchema } from './authz/policy.js';
import { checkRoutes, routeRuleSchema } from './channels/routing.js';

const ms = z.number().int().min(0);

export const serverConfigSchema = z.object({
  /** Interface to listen on. @default "0.0.0.0" */
  host: z.string().min(1).default('0.0.0.0'),
  /** Port (0 = any free port, see `gateway.address()`). @default 0 */
  port: z.number().int().min(0).max(65_535).default(0),
  /** Socket.IO path. @default "/socket.io" */
  path: z.string().startsWith('/').default('/socket.io'),
  /**
   * Transports. WebSocket only lets a plain round-robin load balancer work; add "polling" only
   * behind sticky sessions (see gateway/README.md).
   * @default ["websocket"]
   */
  transports: z
    .array(z.enum(['websocket', 'polling']))
    .min(1)
    .default(['websocket']),
  /** CORS origins for browsers (polling transport, or browsers that send Origin). @default none */
  corsOrigins: z.array(z.string().min(1)).optional(),
  /**
   * TLS certificate and key (PEM text or file paths). When set the gateway serves TLS 1.3 only.
   * @example { cert: "/etc/tmbus/gw.crt", key: "/etc/tmbus/gw.key" }
   */
  tls: z
    .object({ cert: z.string().min(1), key: z.string().min(1), ca: z.string().min(1).optional() })
    .optional(),
  /** Heartbeat period, ms. @default 25_000 */
  pingIntervalMs: ms.min(100).default(25_000),
  /** A client that does not answer a ping within this time is dropped, ms. @default 20_000 */
  pingTimeoutMs: ms.min(100).default(20_000),
  /** Largest message a client may send; bigger closes the connection (transport level). @default 65_536 */
  maxHttpBufferSize: z.number().int().min(1024).default(65_536),
  /** Largest event payload accepted; bigger is refused with PAYLOAD_TOO_LARGE. @default 16_384 */
  maxEventBytes: z.number().int().min(64).default(16_384),
  /** Channels one connection may hold at once. @default 500 */
  maxChannelsPerSocket: z.number().int().min(1).default(500),
});

const laneTopicsDefault = (): Record<Priority, string> => ({
  CRITICAL: laneTopic('CRITICAL'),
  HIGH: laneTopic('HIGH'),
  STANDARD: laneTopic('STANDARD'),
  BACKGROUND: laneTopic('BACKGROUND'),
});

export const lanesConfigSchema = z.object({
  /** Lane topics read by the gateway. @default tm.lane.critical|high|standard|background */
  topics: z
    .object({
      CRITICAL: z.string().min(1),
      HIGH: z.string().min(1),
      STANDARD: z.string().min(1),
      BACKGROUND: z.string().min(1),
    })
    .default(laneTopicsDefault),
  /** The one consumer group every gateway instance joins. @default "tmbus-gateway" */
  groupId: z.string().min(1).default('tmbus-gateway'),
  /** Records per consume call. @default 500 */
  batchSize: z.number().int().min(1).max(100_000).default(500),
  /** Longest wait of one consume call, ms (node-rdkafka charges it per message). @default 5 */
  consumeTimeoutMs: ms.max(1000).default(5),
  /** Records of a lane in one batch that count as a backlog and pause lower lanes. @default 100 */
  preemptThreshold: z.number().int().min(1).default(100),
  /** Longest a lower lane stays paused for a higher one (aging: no lane starves), ms. @default 200 */
  maxPauseMs: ms.min(1).default(200),
  /**
   * Where a group without committed offsets starts: clients get live events from now and history
   * through resume, so `latest` is right in production.
   * @default "latest"
   */
  startFrom: z.enum(['latest', 'earliest']).default('latest'),
  /**
   * Topic for lane records that can never be decoded (garbage bytes, a schema id the registry
   * does not have, a schema outside the catalog). @default "<groupId>-dlq"
   */
  deadLetterTopic: z.string().min(1).optional(),
  /**
   * How a retriable decode failure (schema registry unreachable) is retried in place: the batch
   * waits, nothing is skipped or dead-lettered, and once `maxElapsedMs` has passed the lane
   * consumer halts (`tmbus gateway` exits non-zero; the next owner re-reads the record).
   * `maxElapsedMs` stays under librdkafka's `max.poll.interval.ms` (300 s), or the waiting consumer
   * would be thrown out of its group.
   * @default { initialDelayMs: 200, maxDelayMs: 5_000, maxElapsedMs: 60_000 }
   */
  decodeRetry: z
    .object({
      initialDelayMs: ms.min(1).default(200),
      maxDelayMs: ms.min(1).default(5_000),
      maxElapsedMs: ms.max(240_000).default(60_000),
    })
    .default({ initialDelayMs: 200, maxDelayMs: 5_000, maxElapsedMs: 60_000 }),
  /** Extra librdkafka settings for the lane consumer. @default {} */
  librdkafka: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

export const gatewayConfigSchema = z.object({
  /** Name of this instance in logs, sessions and metrics. @default "gw-<random>" */
  instanceId: z.string().min(1).optional(),
  /** Kafka, schema registry and Redis addresses (Redis is required by the gateway). */
  connection: connectionConfigSchema.extend({
    redis: z.object({ url: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://') }),
  }),
  server: serverConfigSchema.default(() => serverConfigSchema.parse({})),
  lanes: lanesConfigSchema.default(() => lanesConfigSchema.parse({})),
  redis: z
    .object({
      /** Prefix of the gateway's Redis keys (rate limits, connection counts). @default "tmbus:gw:" */
      keyPrefix: z.string().min(1).default('tmbus:gw:'),
      /** Prefix of the adapter's sharded pub/sub channels. @default "tmbus-gw" */
      channelPrefix: z.string().min(1).default('tmbus-gw'),
    })
    .default({ keyPrefix: 'tmbus:gw:', channelPrefix: 'tmbus-gw' }),
  auth: authConfigSchema,
  authorization: policyConfigSchema.default(() => policyConfigSchema.parse({})),
  rateLimits: z
    .object({
      /** Events a user may send per window. @default { points: 20, durationSec: 1 } */
      user: z
        .object({ points: z.number().int().min(1), durationSec: z.number().int().min(1) })
        .default({ points: 20, durationSec: 1 }),
      /** Events a service may send per window. @default { points: 500, durationSec: 1 } */
      service: z
        .object({ points: z.number().int().min(1), durationSec: z.number().int().min(1) })
        .default({ points: 500, durationSec: 1 }),
      /** Refusals in a row after which a flooding connection is closed (0 = never). @default 200 */
      disconnectAfterRefusals: z.number().int().min(0).default(200),
    })
    .default({
      user: { points: 20, durationSec: 1 },
      service: { points: 500, durationSec: 1 },
      disconnectAfterRefusals: 200,
    }),
  connections: z
    .object({
      /** Concurrent connections per user across all instances. @default 10 */
      maxPerUser: z.number().int().min(1).default(10),
      /** Concurrent connections per service across all instances. @default 200 */
      maxPerService: z.number().int().min(1).default(200),
      /** A connection not refreshed for this long (its instance died) stops counting, ms. @default 30_000 */
      ttlMs: ms.min(1000).default(30_000),
    })
    .default({ maxPerUser: 10, maxPerService: 200, ttlMs: 30_000 }),
  slowClients: z
    .object({
      /** Packets a client may have waiting in its buffer before live delivery stops (resume:required). @default 1000 */
      maxBufferedPackets: z.number().int().min(1).default(1000),
      /** Keep only the latest market-data packet per symbol and type in a slow client's buffer. @default true */
      conflateMarketData: z.boolean().default(true),
      /** A client whose buffer has not drained for this long is slow (market data conflated), ms. @default 50 */
      conflateAfterMs: ms.default(50),
    })
    .default({ maxBufferedPackets: 1000, conflateMarketData: true, conflateAfterMs: 50 }),
  replay: z
    .object({
      /** Most records one resume may read from Kafka (per channel); further behind is RESUME_GAP. @default 200_000 */
      maxRecords: z.number().int().min(1).default(200_000),
      /** Longest one replay may take, ms. @default 15_000 */
      timeoutMs: ms.min(100).default(15_000),
      /**
       * Replay only the latest market-data event per type of a `market:` channel instead of every
       * one. Off by default: a resumed client gets every HIGH event, market data included.
       * @default false
       */
      conflateMarketData: z.boolean().default(false),
      /** Deliveries per `replay` packet. @default 500 */
      chunkSize: z.number().int().min(1).default(500),
    })
    .default({ maxRecords: 200_000, timeoutMs: 15_000, chunkSize: 500, conflateMarketData: false }),
  channels: z
    .object({
      /** Route overrides per event family (see DEFAULT_ROUTES). @default {} */
      routes: z.record(z.string(), z.array(routeRuleSchema)).default({}),
    })
    .default({ routes: {} })
    .refine((c) => checkRoutes(c.routes) === undefined, { message: 'invalid channel route' }),
});

/**
 * A single gateway instance given its own lane source and history reader (the embedded demo):
 * Redis is optional, and without it the instance uses Socket.IO's in-memory adapter and limits.
 */
export const standaloneGatewayConfigSchema = gatewayConfigSchema.extend({
  connection: connectionConfigSchema,
});

/** The configuration as written by a user (defaults optional). */
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
/** The configuration of a standalone instance (`connection.redis` optional). */
export type StandaloneGatewayConfigInput = z.input<typeof standaloneGatewayConfigSchema>;
/** The configuration after validation, every default filled in (`connection.redis` only when standalone). */
export type GatewayConfig = z.infer<typeof standaloneGatewayConfigSchema>;

/** Validates gateway configuration; throws ConfigError naming the offending key. */
export function parseGatewayConfig(input: unknown): GatewayConfig {
  return parseConfig(gatewayConfigSchema, input, 'gateway configuration');
}

/** Validates the configuration of a standalone instance (Redis optional). */
export function parseStandaloneGatewayConfig(input: unknown): GatewayConfig {
  return parseConfig(standaloneGatewayConfigSchema, input, 'gateway configuration');
}
