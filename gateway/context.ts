// The typed Socket.IO server and socket of the gateway, and the dependencies its connection
// handlers share. Built once by `createGateway` and passed down; nothing here is a module global.

import type { Server, Socket } from 'socket.io';
import type { Logger } from '../core/logger.js';
import type { ApiKeyVerifier } from './auth/apiKeys.js';
import type { Principal } from './auth/principal.js';
import type { TokenVerifier } from './auth/tokenVerifier.js';
import type { ChannelPolicy } from './authz/policy.js';
import type { ChannelRouter } from './channels/routing.js';
import type { ClientToServerEvents, ServerToClientEvents } from './client/protocol.js';
import type { GatewayConfig } from './config.js';
import type { ConnectionRegistry } from './limits/connectionRegistry.js';
import type { EventRateLimiter } from './limits/eventRateLimiter.js';
import type { GatewayMetrics } from './metrics.js';
import type { ResumeService } from './replay/resumeService.js';

/** What the gateway keeps per socket; serialisable, because the adapter ships it to other instances. */
export interface SocketData {
  principal: Principal;
  instanceId: string;
  connectedAt: number;
  address: string;
}

/** Events between gateway instances (through the adapter's `serverSideEmit`). */
export interface InterServerEvents {
  'sessions:revoke': (userId: string, reason: string) => void;
}

export type GatewayServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface GatewayContext {
  config: GatewayConfig;
  instanceId: string;
  io: GatewayServer;
  logger: Logger;
  metrics: GatewayMetrics;
  tokens: TokenVerifier | undefined;
  apiKeys: ApiKeyVerifier;
  policy: ChannelPolicy;
  router: ChannelRouter;
  limiter: EventRateLimiter;
  registry: ConnectionRegistry;
  resume: ResumeService;
  /**
   * Resolves once the adapter's pending Redis subscriptions are in place (a round trip on the
   * subscriber connection), so a watermark read afterwards cannot miss a broadcast in between.
   */
  subscriptionsSettled(): Promise<void>;
}

/** The room holding every connection of one principal, on every instance (not a channel). */
export function sessionRoom(kind: Principal['kind'], id: string): string {
  return `session:${kind}:${id}`;
}
