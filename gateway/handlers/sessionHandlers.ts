// The session side of a connection: in-band token refresh, and the admin API that lists and
// disconnects a user's connections on every instance. Listing uses the adapter's `fetchSockets`
// (answers from every instance through Redis); disconnecting tells every instance through
// `serverSideEmit` so each one sends its own sockets the reason before closing them.

import { GatewayError } from '../../core/errors.js';
import type { TokenLifetime } from '../auth/tokenLifetime.js';
import { isChannel } from '../client/channels.js';
import type { SessionInfo } from '../client/protocol.js';
import { type GatewayContext, type GatewayServer, type GatewaySocket, sessionRoom } from '../context.js';

export function registerSessionHandlers(
  socket: GatewaySocket,
  ctx: GatewayContext,
  lifetime: TokenLifetime,
): void {
  socket.on('auth:refresh', async ({ token }, ack) => {
    const current = socket.data.principal;
    if (!ctx.tokens)
      return ack({ ok: false, code: 'AUTH_INVALID_TOKEN', reason: 'this gateway accepts no tokens' });
    let next: typeof current;
    try {
      next = await ctx.tokens.verify(token);
    } catch (e) {
      const err = e instanceof GatewayError ? e : new GatewayError('AUTH_INVALID_TOKEN', String(e));
      ctx.metrics.refused(err.code);
      // The connection keeps its current token (and its expiry) after a refused refresh.
      return ack({ ok: false, code: err.code, reason: err.message });
    }
    if (next.kind !== current.kind || next.id !== current.id) {
      ctx.metrics.refused('AUTH_FORBIDDEN');
      return ack({
        ok: false,
        code: 'AUTH_FORBIDDEN',
        reason: 'a refreshed token must name the same subject',
      });
    }
    socket.data.principal = next;
    lifetime.schedule(next.expiresAt);
    // Roles may have shrunk with the new token: leave what it no longer allows.
    const revokedChannels = [...socket.rooms].filter(
      (r) => isChannel(r) && !ctx.policy.canSubscribe(next, r).ok,
    );
    for (const r of revokedChannels) await socket.leave(r);
    ack({ ok: true, expiresAt: next.expiresAt, revokedChannels });
  });

  const adminOnly = () => {
    if (ctx.policy.isAdmin(socket.data.principal)) return undefined;
    ctx.metrics.refused('AUTH_FORBIDDEN');
    return {
      ok: false as const,
      code: 'AUTH_FORBIDDEN' as const,
      reason: 'the admin API needs an admin role',
    };
  };

  socket.on('admin:sessions', async ({ userId }, ack) => {
    const refused = adminOnly();
    if (refused) return ack(refused);
    try {
      const sockets = await ctx.io.in(roomsOf(userId)).fetchSockets();
      const sessions: SessionInfo[] = sockets.map((s) => ({
        socketId: s.id,
        instanceId: s.data.instanceId,
        principal: { kind: s.data.principal.kind, id: s.data.principal.id, roles: s.data.principal.roles },
        connectedAt: s.data.connectedAt,
        expiresAt: s.data.principal.expiresAt,
        channels: [...s.rooms].filter(isChannel),
        address: s.data.address,
      }));
      ack({ ok: true, sessions });
    } catch (e) {
      ack({ ok: false, code: 'TIMEOUT', reason: `not every gateway instance answered: ${String(e)}` });
    }
  });

  socket.on('admin:disconnect', async ({ userId, reason }, ack) => {
    const refused = adminOnly();
    if (refused) return ack(refused);
    const why = reason ?? `disconnected by an administrator (${socket.data.principal.id})`;
    let count = 0;
    try {
      count = (await ctx.io.in(roomsOf(userId)).fetchSockets()).length;
    } catch {
      // still revoke; the count is then this instance's only
    }
    const local = await revokeLocalSessions(ctx.io, userId, why);
    ctx.io.serverSideEmit('sessions:revoke', userId, why);
    ack({ ok: true, disconnected: Math.max(count, local) });
  });
}

/** Both kinds of principal may carry the id: users and services are listed together. */
function roomsOf(id: string): string[] {
  return [sessionRoom('user', id), sessionRoom('service', id)];
}

/** Tells this instance's connections of `userId` why, then closes them. Returns how many. */
export async function revokeLocalSessions(
  io: GatewayServer,
  userId: string,
  reason: string,
): Promise<number> {
  const sockets = await io.in(roomsOf(userId)).local.fetchSockets();
  for (const s of sockets) {
    s.emit('session:closed', { code: 'SESSION_REVOKED', reason });
    s.disconnect(true);
  }
  return sockets.length;
}
