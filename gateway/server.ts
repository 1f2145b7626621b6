// The HTTP(S) listener and the Socket.IO server on it: transports, heartbeats, payload cap and the
// sharded Redis adapter (Socket.IO's in-memory adapter for a single instance without Redis). With a certificate configured the listener speaks TLS 1.3 only, so a
// client offering TLS 1.2 or older fails the handshake.

import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import type { GatewayConfig } from './config.js';
import type { GatewayServer } from './context.js';
import type { BroadcastScheduler } from './delivery/broadcastScheduler.js';
import { scheduledAdapter } from './delivery/scheduledAdapter.js';
import type { RedisLinks } from './redisLinks.js';

/** PEM text as is; anything else is a file path read once at start-up. */
export function pemOrFile(value: string): string {
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
}

/** Extra HTTP routes on the gateway's listener: answers a request (true) or passes (false). */
export type HttpRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Requests that are not Socket.IO's: a liveness answer, the extra routes, otherwise 404. */
function plainHttp(routes: HttpRoutes | undefined) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (routes?.(req, res)) return;
    res.writeHead(404).end();
  };
}

export function createListener(server: GatewayConfig['server'], routes?: HttpRoutes): HttpServer {
  if (!server.tls) return createHttpServer(plainHttp(routes));
  return createHttpsServer(
    {
      cert: pemOrFile(server.tls.cert),
      key: pemOrFile(server.tls.key),
      ...(server.tls.ca ? { ca: pemOrFile(server.tls.ca) } : {}),
      minVersion: 'TLSv1.3',
    },
    plainHttp(routes),
  );
}

/**
 * Tracks the listener's TCP connections so shutdown can end the ones that do not close by
 * themselves (a dead peer never answers the WebSocket close handshake, which ws waits 30 s for).
 */
export function trackConnections(http: HttpServer): { destroyAll(): void } {
  const sockets = new Set<Socket>();
  http.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  http.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return {
    destroyAll() {
      for (const s of sockets) s.destroy();
    },
  };
}

/**
 * The Socket.IO server. With a `scheduler`, plain room broadcasts are delivered locally by it (in
 * lanes and slices, one frame per event) instead of synchronously per socket.
 */
export function createSocketServer(
  http: HttpServer,
  config: GatewayConfig,
  redis: RedisLinks | undefined,
  scheduler?: BroadcastScheduler,
): GatewayServer {
  const s = config.server;
  const sharded = redis
    ? createShardedAdapter(redis.pub, redis.sub, {
        channelPrefix: config.redis.channelPrefix,
        // One Redis channel per public room: an instance only hears rooms it has members in.
        subscriptionMode: 'dynamic',
      })
    : undefined;
  const adapter = scheduler ? scheduledAdapter(scheduler, sharded) : sharded;
  return new Server(http, {
    path: s.path,
    transports: s.transports,
    // Upgrades only make sense when polling is on; behind sticky sessions (see README).
    allowUpgrades: s.transports.length > 1,
    pingInterval: s.pingIntervalMs,
    pingTimeout: s.pingTimeoutMs,
    maxHttpBufferSize: s.maxHttpBufferSize,
    serveClient: false,
    // Off (Socket.IO's default, pinned here): a broadcast is then encoded once into one websocket
    // frame that every socket of the room is handed as is; with compression on, each socket would
    // encode (and deflate) its own copy.
    perMessageDeflate: false,
    ...(s.corsOrigins ? { cors: { origin: s.corsOrigins, credentials: true } } : {}),
    // biome-ignore lint/suspicious/noExplicitAny: Socket.IO types its adapter option as a class
    ...(adapter ? { adapter: adapter as any } : {}),
  });
}
