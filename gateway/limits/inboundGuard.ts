// The gate every client packet passes before a handler sees it: rate limit (per user / service),
// known event name, payload size, schema. A refusal answers with a code and a reason (through the
// acknowledgement, or a `gateway:error` event when the client sent none) and affects only that
// connection; a connection that keeps flooding after `disconnectAfterRefusals` refusals in a row
// is closed with the reason. Transport-level violations (oversize frames over maxHttpBufferSize,
// undecodable packets) are closed by Socket.IO itself before reaching this gate.

import type { Socket } from 'socket.io';
import type { ErrorCode } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Principal } from '../auth/principal.js';
import { CLIENT_EVENTS, type Refusal } from '../client/protocol.js';
import { describeIssue, REQUEST_SCHEMAS } from '../handlers/requests.js';
import type { GatewayMetrics } from '../metrics.js';
import type { EventRateLimiter } from './eventRateLimiter.js';

export interface InboundGuardOptions {
  limiter: EventRateLimiter;
  metrics: GatewayMetrics;
  logger: Logger;
  maxEventBytes: number;
  disconnectAfterRefusals: number;
}

const KNOWN = new Set<string>(CLIENT_EVENTS);

/** Installs the gate on one socket. `principal()` reads the current principal (it changes on refresh). */
export function guardInbound(socket: Socket, principal: () => Principal, options: InboundGuardOptions): void {
  let refusalsInRow = 0;

  const refuse = (
    event: string,
    ack: ((r: Refusal) => void) | undefined,
    code: ErrorCode,
    reason: string,
    retryAfterMs?: number,
  ) => {
    options.metrics.refused(code);
    const refusal: Refusal = {
      ok: false,
      code,
      reason,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
    if (ack) ack(refusal);
    else socket.emit('gateway:error', { ...refusal, event });
    refusalsInRow++;
    if (
      options.disconnectAfterRefusals > 0 &&
      refusalsInRow >= options.disconnectAfterRefusals &&
      socket.connected
    ) {
      options.logger.warn(
        { principal: principal().id, socket: socket.id, code },
        'closing a connection that keeps being refused',
      );
      socket.emit('session:closed', {
        code,
        reason: `closed after ${refusalsInRow} refused events in a row (last: ${reason})`,
      });
      socket.disconnect(true);
    }
  };

  socket.use((packet, next) => {
    const [event, ...args] = packet as unknown[];
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as (r: Refusal) => void) : undefined;
    const payload = ack ? args.slice(0, -1) : args;
    const name = typeof event === 'string' ? event.slice(0, 64) : String(event);
    void (async () => {
      const rate = await options.limiter.consume(principal());
      if (!rate.ok) {
        return refuse(name, ack, 'RATE_LIMITED', 'too many events: slow down', rate.retryAfterMs);
      }
      if (typeof event !== 'string' || !KNOWN.has(event)) {
        return refuse(
          name,
          ack,
          'BAD_REQUEST',
          `unknown event '${name}' (accepted: ${CLIENT_EVENTS.join(', ')})`,
        );
      }
      if (!ack) return refuse(name, ack, 'BAD_REQUEST', `'${event}' needs an acknowledgement callback`);
      const size = jsonSize(payload);
      if (size > options.maxEventBytes) {
        return refuse(
          name,
          ack,
          'PAYLOAD_TOO_LARGE',
          `payload of ${size} bytes exceeds ${options.maxEventBytes}`,
        );
      }
      const schema = REQUEST_SCHEMAS[event as keyof typeof REQUEST_SCHEMAS];
      const parsed = payload.length === 1 ? schema.safeParse(payload[0]) : undefined;
      if (!parsed?.success) {
        const reason = parsed ? describeIssue(parsed.error) : `'${event}' takes exactly one object argument`;
        return refuse(name, ack, 'BAD_REQUEST', reason);
      }
      refusalsInRow = 0;
      // Handlers receive the validated (and stripped) request.
      (packet as unknown[]).splice(1, payload.length, parsed.data);
      next();
    })().catch((err) => {
      options.logger.error({ err }, 'inbound guard failed');
      refuse(name, ack, 'BAD_REQUEST', 'request could not be checked');
    });
  });
  // A rejected packet must never surface as an unhandled 'error' event.
  socket.on('error', (err) => options.logger.debug({ err, socket: socket.id }, 'socket error'));
}

function jsonSize(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
