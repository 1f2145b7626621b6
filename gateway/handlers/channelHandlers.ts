// subscribe / unsubscribe / resume. Subscribing checks the policy first (a refused channel joins
// nothing), joins the channel's room, and answers with the cursor the subscription starts from.
// Resuming does the same per channel and then replays from Kafka what the cursor says is missing.
// Requests arrive validated by the inbound guard.

import { type ErrorCode, errorMessage } from '../../core/errors.js';
import { type Channel, parseChannel } from '../client/channels.js';
import type { ChannelCursor, Delivery, ResumeResult } from '../client/protocol.js';
import type { GatewayContext, GatewaySocket } from '../context.js';

type Check = { ok: true; channel: Channel } | { ok: false; code: ErrorCode; reason: string };

/** Grammar, then policy, then the per-socket channel budget. */
export function checkChannel(ctx: GatewayContext, socket: GatewaySocket, name: string): Check {
  const parsed = parseChannel(name);
  if ('error' in parsed) return { ok: false, code: 'BAD_REQUEST', reason: parsed.error };
  const decision = ctx.policy.canSubscribe(socket.data.principal, name);
  if (!decision.ok) return { ok: false, code: 'AUTH_FORBIDDEN', reason: decision.reason };
  const held = [...socket.rooms].filter((r) => r.includes(':') && !r.startsWith('session:')).length;
  const max = ctx.config.server.maxChannelsPerSocket;
  if (!socket.rooms.has(name) && held >= max) {
    return { ok: false, code: 'BAD_REQUEST', reason: `a connection may hold at most ${max} channels` };
  }
  return { ok: true, channel: name as Channel };
}

export function registerChannelHandlers(socket: GatewaySocket, ctx: GatewayContext): void {
  const refuse = (code: ErrorCode, reason: string) => {
    ctx.metrics.refused(code);
    return { ok: false as const, code, reason };
  };

  socket.on('subscribe', async ({ channel }, ack) => {
    const check = checkChannel(ctx, socket, channel);
    if (!check.ok) return ack(refuse(check.code, check.reason));
    await socket.join(check.channel);
    await ctx.subscriptionsSettled();
    let cursor: ChannelCursor = {};
    try {
      cursor = await ctx.resume.endCursor(check.channel, Date.now());
    } catch (err) {
      // Live delivery works without Kafka metadata; only a later resume will lack a start point.
      ctx.logger.warn({ err: errorMessage(err), channel }, 'no starting cursor for a subscription');
    }
    ack({ ok: true, channel: check.channel, cursor });
  });

  socket.on('unsubscribe', async ({ channel }, ack) => {
    const parsed = parseChannel(channel);
    if ('error' in parsed) return ack(refuse('BAD_REQUEST', parsed.error));
    await socket.leave(channel);
    ack({ ok: true, channel: channel as Channel });
  });

  socket.on('resume', async ({ channels }, ack) => {
    const results: ResumeResult[] = [];
    const allowed: { channel: Channel; cursor: ChannelCursor }[] = [];
    for (const { channel, cursor } of channels) {
      const check = checkChannel(ctx, socket, channel);
      if (!check.ok) {
        ctx.metrics.refused(check.code);
        results.push({ channel, ok: false, code: check.code, reason: check.reason });
        continue;
      }
      await socket.join(check.channel);
      allowed.push({ channel: check.channel, cursor });
    }
    await ctx.subscriptionsSettled();
    const joinedAt = Date.now();
    const target = {
      get connected() {
        return socket.connected;
      },
      sendReplay: (channel: Channel, deliveries: Delivery[]) =>
        socket.emit('replay', { channel, deliveries }),
    };
    results.push(
      ...(await Promise.all(allowed.map((a) => ctx.resume.resume(target, a.channel, a.cursor, joinedAt)))),
    );
    ack({ ok: true, results });
  });
}
