// What happens to every accepted connection: it joins its principal's session room (admin API),
// gets the inbound gate, the slow-client policy and the token lifetime, and its handlers. Also the
// one way the gateway asks a client to resume, used by the slow-client policy and after a Redis
// outage.

import { TokenLifetime } from './auth/tokenLifetime.js';
import type { Channel } from './client/channels.js';
import { isChannel } from './client/channels.js';
import { type GatewayContext, type GatewaySocket, sessionRoom } from './context.js';
import { guardSlowClient } from './delivery/slowClientGuard.js';
import { registerChannelHandlers } from './handlers/channelHandlers.js';
import { registerSessionHandlers } from './handlers/sessionHandlers.js';
import { guardInbound } from './limits/inboundGuard.js';

export function onConnection(socket: GatewaySocket, ctx: GatewayContext): void {
  const { principal } = socket.data;
  ctx.metrics.connectionsOpen++;
  ctx.metrics.connectionsTotal++;
  void socket.join(sessionRoom(principal.kind, principal.id));

  guardInbound(socket, () => socket.data.principal, {
    limiter: ctx.limiter,
    metrics: ctx.metrics,
    logger: ctx.logger,
    maxEventBytes: ctx.config.server.maxEventBytes,
    disconnectAfterRefusals: ctx.config.rateLimits.disconnectAfterRefusals,
  });
  guardSlowClient(socket, ctx.config.slowClients, ctx.metrics, (s, waiting) =>
    requireResume(s as GatewaySocket, ctx, `slow consumer: ${waiting} packets waiting`, { stopLive: true }),
  );
  const lifetime = new TokenLifetime(socket, ctx.config.auth.expiryWarningMs, ctx.metrics);
  lifetime.schedule(principal.expiresAt);
  registerChannelHandlers(socket, ctx);
  registerSessionHandlers(socket, ctx, lifetime);

  socket.on('disconnect', (reason) => {
    ctx.metrics.connectionsOpen--;
    lifetime.clear();
    ctx.logger.debug({ socket: socket.id, principal: principal.id, reason }, 'disconnected');
  });
}

/**
 * Tells a client to resume its channels from its cursors. With `stopLive` the socket first leaves
 * its channel rooms, so nothing more piles up in its buffer until it resumes (which re-joins).
 */
export function requireResume(
  socket: GatewaySocket,
  ctx: GatewayContext,
  reason: string,
  opts: { stopLive: boolean },
): void {
  const channels = [...socket.rooms].filter(isChannel) as Channel[];
  if (channels.length === 0) return;
  if (opts.stopLive) for (const c of channels) void socket.leave(c);
  ctx.metrics.resumeRequired++;
  socket.emit('resume:required', { reason, channels });
}

/** Asks every connection of this instance to resume (its live feed may have had a hole). */
export function requireResumeEverywhere(ctx: GatewayContext, reason: string): number {
  let n = 0;
  for (const socket of ctx.io.of('/').sockets.values()) {
    requireResume(socket, ctx, reason, { stopLive: false });
    n++;
  }
  return n;
}
