// The connection gate: authenticate the handshake (JWT or service API key), then count the
// connection against the principal's limit across instances. A refusal reaches the client as a
// `connect_error` whose `data` holds `{ code, reason }`; nothing of the socket is kept.

import type { ExtendedError } from 'socket.io';
import { type ErrorCode, GatewayError } from '../../core/errors.js';
import type { HandshakeAuth } from '../client/protocol.js';
import type { GatewayContext, GatewaySocket } from '../context.js';
import type { Principal } from './principal.js';

/** An error whose `data` Socket.IO forwards to the client in the CONNECT_ERROR packet. */
export function refusal(code: ErrorCode, reason: string): ExtendedError {
  const err = new Error(reason) as ExtendedError;
  err.data = { code, reason };
  return err;
}

async function authenticate(ctx: GatewayContext, auth: HandshakeAuth): Promise<Principal> {
  if (typeof auth.apiKey === 'string') return ctx.apiKeys.verify(auth.apiKey);
  if (!ctx.tokens)
    throw new GatewayError('AUTH_INVALID_TOKEN', 'this gateway accepts API keys only (auth.apiKey)');
  return ctx.tokens.verify(typeof auth.token === 'string' ? auth.token : '');
}

/** The `io.use` middleware. */
export function handshakeGate(ctx: GatewayContext) {
  return async (socket: GatewaySocket, next: (err?: ExtendedError) => void): Promise<void> => {
    let principal: Principal;
    try {
      principal = await authenticate(ctx, (socket.handshake.auth ?? {}) as HandshakeAuth);
    } catch (e) {
      const err =
        e instanceof GatewayError
          ? e
          : new GatewayError('AUTH_INVALID_TOKEN', 'authentication failed', { cause: e });
      ctx.metrics.refused(err.code);
      ctx.logger.debug(
        { code: err.code, reason: err.message, address: socket.handshake.address },
        'handshake refused',
      );
      return next(refusal(err.code, err.message));
    }
    const slot = await ctx.registry.acquire(principal, socket.id);
    if (!slot.ok) {
      ctx.metrics.refused('CONNECTION_LIMIT');
      return next(
        refusal(
          'CONNECTION_LIMIT',
          `${slot.count} connections open for ${principal.kind} '${principal.id}' (max ${slot.max})`,
        ),
      );
    }
    // Released on the engine's close, which fires even if the client leaves before 'connection'.
    socket.conn.once('close', () => void ctx.registry.release(principal, socket.id));
    socket.data = {
      principal,
      instanceId: ctx.instanceId,
      connectedAt: Date.now(),
      address: socket.handshake.address,
    };
    next();
  };
}
