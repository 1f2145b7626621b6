// The wire protocol between the gateway and its clients, as typed Socket.IO event maps. The server
// (`Server<ClientToServerEvents, ServerToClientEvents>`) and the SDK (`Socket<ServerToClientEvents,
// ClientToServerEvents>`) compile against the same declarations, so a renamed field breaks both
// builds instead of a production client. Event names for deliveries are the catalog's event types;
// nothing here is derived from client input. Browser-safe: type imports and the catalog only.

import type { ErrorCode } from '../../core/errors.js';
import type { EventType, Priority } from '../../schemas/catalog.js';
import type { Channel } from './channels.js';

/** Where a delivered record sits in Kafka. */
export interface StreamPosition {
  topic: string;
  partition: number;
  offset: number;
}

/** The decoded catalog event as it travels as JSON: envelope header and typed payload. */
export interface WireEvent {
  header: {
    eventId: string;
    correlationId: string;
    causationId: string | null;
    eventType: EventType;
    priority: Priority;
    /** Epoch milliseconds. */
    timestamp: number;
    source: string;
    version: number;
    [keyField: string]: unknown;
  };
  payload: Record<string, unknown>;
}

/**
 * One event on one channel. `position` and `prev` make the per-channel sequence: `prev` is the
 * offset of the previous event of the same channel on the same topic-partition (`-1` when the
 * gateway does not know it, e.g. right after a partition moved), so a client that holds a cursor
 * past `prev` knows it missed nothing, and one whose cursor is at or before `prev` knows it did.
 */
export interface Delivery<T extends EventType = EventType> {
  channel: Channel;
  type: T;
  priority: Priority;
  position: StreamPosition;
  prev: number;
  event: WireEvent;
  /** W3C trace id of the event's trace (publish → topologies → this emit), when it was traced. */
  traceId?: string;
}

/**
 * Where a client stands on one channel: for each lane topic-partition that carries the channel,
 * the next offset it expects (`"<topic>/<partition>"` → offset). Returned by `subscribe`, advanced
 * by every delivery, sent back by `resume`.
 */
export type ChannelCursor = Record<string, number>;

/** Key of a topic-partition in a `ChannelCursor`. */
export function cursorKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

/** A refusal: stable code (see the bus's ERROR_CODES) and a reason meant for humans. */
export interface Refusal {
  ok: false;
  code: ErrorCode;
  reason: string;
  /** For RATE_LIMITED: when trying again makes sense. */
  retryAfterMs?: number;
}

export type Ack<T extends object = object> = ({ ok: true } & T) | Refusal;

export type SubscribeAck = Ack<{ channel: Channel; cursor: ChannelCursor }>;
export type UnsubscribeAck = Ack<{ channel: Channel }>;

/**
 * A record in a resumed range that the gateway could not decode (garbage bytes, a schema id the
 * registry does not have) and wrote to its dead-letter topic: an event of the channel lost for
 * good. `exact` is false when the record's headers and key named only the channel's kind (order
 * events are routed by a payload field), so it may have belonged to another channel of that kind.
 */
export interface LostRecord {
  position: StreamPosition;
  code: ErrorCode;
  reason: string;
  exact: boolean;
}

/**
 * Outcome of resuming one channel. On RESUME_GAP the channel stays live from `cursor`; the
 * deliveries that could be replayed were sent before it (`replayed`), and `lost` lists records of
 * the range that were dead-lettered instead (absent when the gap is retention, size or a timeout).
 */
export type ResumeResult =
  | { channel: Channel; ok: true; replayed: number; cursor: ChannelCursor }
  | {
      channel: string;
      ok: false;
      code: ErrorCode;
      reason: string;
      cursor?: ChannelCursor;
      replayed?: number;
      lost?: LostRecord[];
    };

export type ResumeAck = Ack<{ results: ResumeResult[] }>;

/** A refreshed token may carry fewer roles: channels it no longer allows are left and listed. */
export type RefreshAck = Ack<{ expiresAt: number | null; revokedChannels: string[] }>;

export interface ResumeRequest {
  channels: { channel: string; cursor: ChannelCursor }[];
}

/** One connection of a user, as the admin API lists it (from every gateway instance). */
export interface SessionInfo {
  socketId: string;
  instanceId: string;
  principal: { kind: 'user' | 'service'; id: string; roles: string[] };
  connectedAt: number;
  expiresAt: number | null;
  channels: string[];
  address: string;
}

/** Events the gateway emits. Deliveries use the catalog event type as the event name. */
export type ServerToClientEvents = {
  [T in EventType]: (delivery: Delivery<T>) => void;
} & {
  /** Replayed deliveries of one channel, oldest first, sent before the `resume` acknowledgement. */
  replay: (batch: { channel: Channel; deliveries: Delivery[] }) => void;
  /**
   * Send `resume` with your cursors for `channels`: the gateway stopped live delivery (slow client,
   * lost Redis link), or a record of the channel could not be decoded and was dead-lettered (the
   * resume then answers RESUME_GAP with it in `lost`).
   */
  'resume:required': (notice: { reason: string; channels: Channel[] }) => void;
  /** The token expires soon: refresh it with `auth:refresh`. */
  'auth:expiring': (notice: { expiresAt: number }) => void;
  /** The gateway is about to close the connection, and why. */
  'session:closed': (notice: { code: ErrorCode; reason: string }) => void;
  /** A refusal of an event that was sent without an acknowledgement callback. */
  'gateway:error': (notice: Refusal & { event: string }) => void;
};

/** Events a client may send. Anything else is refused with BAD_REQUEST. */
export interface ClientToServerEvents {
  subscribe: (request: { channel: string }, ack: (res: SubscribeAck) => void) => void;
  unsubscribe: (request: { channel: string }, ack: (res: UnsubscribeAck) => void) => void;
  resume: (request: ResumeRequest, ack: (res: ResumeAck) => void) => void;
  'auth:refresh': (request: { token: string }, ack: (res: RefreshAck) => void) => void;
  'admin:sessions': (
    request: { userId: string },
    ack: (res: Ack<{ sessions: SessionInfo[] }>) => void,
  ) => void;
  'admin:disconnect': (
    request: { userId: string; reason?: string },
    ack: (res: Ack<{ disconnected: number }>) => void,
  ) => void;
}

/** Names of the client-to-server events, for validation on the server. */
export const CLIENT_EVENTS = [
  'subscribe',
  'unsubscribe',
  'resume',
  'auth:refresh',
  'admin:sessions',
  'admin:disconnect',
] as const satisfies readonly (keyof ClientToServerEvents)[];

/** What the handshake carries: a JWT (users, service tokens) or a service API key. */
export interface HandshakeAuth {
  token?: string;
  apiKey?: string;
}
