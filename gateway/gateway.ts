// `createGateway(config, deps)`: the composition root of one gateway instance. It validates the
// configuration, builds every part (verifiers, policy, limits, Redis links, Socket.IO server with
// the sharded adapter, lane consumer, replay reader) and wires them; no part is a singleton and
// no address is hard-coded. Instances of one deployment share a Kafka consumer group and Redis.
// A single instance may instead be given its lane source and history reader (the embedded demo's
// `LaneFeed`, see `gateway/embedded/`) and run without Kafka and, when no Redis URL is configured,
// without Redis (Socket.IO's in-memory adapter, in-memory limits).

import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type BusError, errorMessage, isBusError, KafkaError } from '../core/errors.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { HttpSchemaRegistry } from '../schemas/http-registry.js';
import { createApiKeyVerifier } from './auth/apiKeys.js';
import { handshakeGate } from './auth/handshake.js';
import { createTokenVerifier } from './auth/tokenVerifier.js';
import { createChannelPolicy } from './authz/policy.js';
import { createChannelRouter, type RouteRule } from './channels/routing.js';
import {
  type GatewayConfig,
  type GatewayConfigInput,
  parseGatewayConfig,
  parseStandaloneGatewayConfig,
  type StandaloneGatewayConfigInput,
} from './config.js';
import { onConnection, requireResume, requireResumeEverywhere } from './connection.js';
import type { GatewayContext, GatewayServer, GatewaySocket } from './context.js';
import { avroEventDecoder, type EventDecoder } from './decoder.js';
import { BroadcastScheduler } from './delivery/broadcastScheduler.js';
import { Fanout } from './delivery/fanout.js';
import {
  kafkaLaneDeadLetters,
  type LaneDeadLetters,
  loggedLaneDeadLetters,
} from './delivery/laneDeadLetters.js';
import type { LaneSink, LaneSource, LaneSourceFactory, TopicPartition } from './delivery/laneSource.js';
import { revokeLocalSessions } from './handlers/sessionHandlers.js';
import { ConnectionRegistry } from './limits/connectionRegistry.js';
import { EventRateLimiter } from './limits/eventRateLimiter.js';
import { GatewayMetrics } from './metrics.js';
import { createRedisLinks } from './redisLinks.js';
import type { HistoryReader } from './replay/historyReader.js';
import { ResumeService } from './replay/resumeService.js';
import { createListener, createSocketServer, type HttpRoutes, trackConnections } from './server.js';

export interface GatewayDependencies {
  /**
   * Decodes lane-topic values.
   * @default avroEventDecoder over the configured schema registry
   */
  decoder?: EventDecoder;
  /** @default a silent logger */
  logger?: Logger;
  /**
   * Where lane records come from.
   * @default a `LaneConsumer` in the `lanes.groupId` consumer group on Kafka
   * @example (sink, gw) => new LaneFeedSource(demo.lanes, sink, gw.config.lanes, gw.logger)
   */
  laneSource?: LaneSourceFactory;
  /**
   * What resume reads history through.
   * @default a `KafkaReader` on the configured Kafka
   * @example new LaneFeedHistory(demo.lanes)
   */
  historyReader?: HistoryReader;
  /**
   * Where lane records that can never be decoded go.
   * @default the Kafka topic `lanes.deadLetterTopic` (`<lanes.groupId>-dlq`); logged only for an
   * instance given its own lane source and history reader
   */
  deadLetters?: LaneDeadLetters;
  /**
   * Extra HTTP routes on the gateway's listener (dashboard, metrics, pages), tried after
   * `/healthz` and before the 404.
   * @example dashboardRoutes(state)
   */
  httpRoutes?: HttpRoutes;
  /**
   * How room broadcasts reach this instance's sockets: through the `BroadcastScheduler` (lanes,
   * slices, one frame per event written directly), or Socket.IO's own synchronous per-socket path
   * (kept to compare the two in the load benchmark).
   * @default "scheduled"
   */
  localDelivery?: 'scheduled' | 'socket.io';
}

export interface Gateway {
  readonly io: GatewayServer;
  readonly config: GatewayConfig;
  readonly instanceId: string;
  readonly metrics: GatewayMetrics;
  /** Starts listening and consuming the lanes; resolves with the bound address. */
  listen(): Promise<{ port: number; url: string }>;
  /** Lane partitions this instance consumes now (the group splits them between instances). */
  lanePartitions(): TopicPartition[];
  /**
   * Why the lane source halted (a record could be neither decoded nor dead-lettered, e.g. the
   * schema registry stayed unreachable past `lanes.decodeRetry`), or undefined while it runs. A
   * halted instance delivers nothing more: restart it (the next owner re-reads the record).
   */
  halted(): BusError | undefined;
  /** Calls `listener` once if the lane source halts. */
  onHalt(listener: (error: BusError) => void): void;
  /** Leaves the consumer group (committing what was fanned out), closes every connection. */
  close(): Promise<void>;
}

/**
 * @example
 * const gateway = await createGateway({
 *   connection: { ...connectionConfigFromEnv(), redis: { url: 'redis://redis:6379' } },
 *   auth: { jwt: { jwksUrl: 'https://idp.example.com/jwks.json', issuer: 'https://idp.example.com', audience: 'gateway' } },
 * });
 * const { url } = await gateway.listen();
 */
export async function createGateway(
  input: GatewayConfigInput | StandaloneGatewayConfigInput,
  deps: GatewayDependencies = {},
): Promise<Gateway> {
  // Redis may only be left out by an instance that needs no Kafka either (its sources injected).
  const standalone = deps.laneSource !== undefined && deps.historyReader !== undefined;
  const config = standalone ? parseStandaloneGatewayConfig(input) : parseGatewayConfig(input);
  const decoder =
    deps.decoder ?? avroEventDecoder(new HttpSchemaRegistry({ url: config.connection.registry.url }));
  const instanceId = config.instanceId ?? `gw-${randomBytes(4).toString('hex')}`;
  const logger = (deps.logger ?? silentLogger()).child({ gateway: instanceId });
  const metrics = new GatewayMetrics();
  const clientId = `${config.connection.kafka.clientId}-${instanceId}`;
  const tokens = config.auth.jwt ? await createTokenVerifier(config.auth.jwt) : undefined;
  const router = createChannelRouter(config.channels.routes as Record<string, RouteRule[]>);
  const redis = await redisFor(config, instanceId, logger);
  const reader =
    deps.historyReader ??
    new (await import('./replay/kafkaReader.js')).KafkaReader(
      config.connection,
      `${clientId}-replay`,
      `${config.lanes.groupId}-replay-${instanceId}`,
      logger,
    );
  const registry = new ConnectionRegistry(
    redis?.pub,
    { ...config.connections, keyPrefix: config.redis.keyPrefix, instanceId },
    logger,
  );
  const http = createListener(config.server, deps.httpRoutes);
  const connections = trackConnections(http);
  const scheduler = new BroadcastScheduler({
    slowClients: config.slowClients,
    metrics,
    onOverflow: (socket, waiting) =>
      requireResume(socket as GatewaySocket, ctx, `slow consumer: ${waiting} packets waiting`, {
        stopLive: true,
      }),
  });
  const io = createSocketServer(
    http,
    config,
    redis,
    deps.localDelivery === 'socket.io' ? undefined : scheduler,
  );

  const ctx: GatewayContext = {
    config,
    instanceId,
    io,
    logger,
    metrics,
    tokens,
    apiKeys: createApiKeyVerifier(config.auth.apiKeys),
    policy: createChannelPolicy(config.authorization),
    router,
    limiter: new EventRateLimiter(redis?.pub, config.redis.keyPrefix, config.rateLimits, logger),
    registry,
    resume: new ResumeService({
      reader,
      decoder,
      router,
      metrics,
      logger,
      laneTopics: config.lanes.topics,
      ...config.replay,
    }),
    subscriptionsSettled: () => (redis ? settled(redis.sub.ping()) : Promise.resolve()),
  };
  io.use(handshakeGate(ctx));
  io.on('connection', (socket) => onConnection(socket, ctx));
  io.on('sessions:revoke', (userId, reason) => void revokeLocalSessions(io, userId, reason));

  const deadLetters =
    deps.deadLetters ??
    (standalone
      ? loggedLaneDeadLetters(logger)
      : kafkaLaneDeadLetters(
          config.connection,
          config.lanes.deadLetterTopic ?? `${config.lanes.groupId}-dlq`,
          config.lanes.groupId,
        ));
  const fanout = new Fanout({
    io,
    decoder,
    router,
    metrics,
    logger,
    deadLetters,
    decodeRetry: config.lanes.decodeRetry,
    backpressure: deps.localDelivery === 'socket.io' ? undefined : () => scheduler.whenBelowLimit(),
  });
  let haltedBy: BusError | undefined;
  const haltListeners: ((error: BusError) => void)[] = [];
  const sink: LaneSink = {
    onBatch: (records) => fanout.deliver(records),
    onRevoke: (tps) => fanout.chains.forget(tps),
    onHalt: (err) => {
      haltedBy = isBusError(err)
        ? err
        : new KafkaError('KAFKA_CONSUME', `lane source halted: ${errorMessage(err)}`, { cause: err });
      logger.fatal({ err: haltedBy }, 'lane source halted: this instance delivers nothing more');
      for (const l of haltListeners.splice(0)) l(haltedBy);
    },
  };
  const consumer: LaneSource = deps.laneSource
    ? deps.laneSource(sink, { config, logger })
    : new (await import('./delivery/laneConsumer.js')).LaneConsumer({
        connection: config.connection,
        lanes: config.lanes,
        clientId: `${clientId}-lanes`,
        logger,
        ...sink,
      });
  redis?.onChange((state) => {
    // While Redis is away nothing consumed could reach other instances: stop consuming instead.
    consumer.suspend(state === 'down');
    if (state === 'up') {
      const n = requireResumeEverywhere(ctx, 'the gateway lost its Redis link: resume to fill any gap');
      logger.info({ clients: n }, 'asked clients to resume after a Redis outage');
    }
  });

  let listening = false;
  let closed: Promise<void> | undefined;
  const shutdown = async () => {
    const t0 = Date.now();
    await consumer.stop();
    registry.stop();
    await new Promise<void>((resolve) => {
      io.close(() => resolve());
      if (!listening) resolve();
      // Clients were sent their disconnect; a peer that does not finish closing within a second
      // (dead, or not reading) must not hold the shutdown for ws's 30 s close timeout.
      setTimeout(() => connections.destroyAll(), 1000).unref();
    });
    await reader.close();
    await deadLetters.close();
    await redis?.close();
    logger.info({ ms: Date.now() - t0 }, 'gateway closed');
  };
  return {
    io,
    config,
    instanceId,
    metrics,
    async listen() {
      await reader.connect();
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.server.port, config.server.host, () => resolve());
      });
      listening = true;
      registry.startRefreshing();
      await consumer.start();
      const port = (http.address() as AddressInfo).port;
      const host =
        config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
      return { port, url: `${config.server.tls ? 'https' : 'http'}://${host}:${port}` };
    },
    lanePartitions: () => consumer.assignment(),
    halted: () => haltedBy,
    onHalt(listener) {
      if (haltedBy) listener(haltedBy);
      else haltListeners.push(listener);
    },
    close() {
      closed ??= shutdown();
      return closed;
    },
  };
}

/** The Redis links; none for a standalone instance without a Redis URL. */
async function redisFor(config: GatewayConfig, instanceId: string, logger: Logger) {
  return config.connection.redis
    ? createRedisLinks(config.connection.redis.url, instanceId, logger)
    : undefined;
}

/** Waits for `p`, but never longer than 2 s: a Redis outage must not hang a subscription. */
async function settled(p: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 2000)))]);
  clearTimeout(timer);
}
