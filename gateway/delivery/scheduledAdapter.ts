// The Socket.IO adapter of the gateway: the sharded Redis adapter (or the in-memory one of a
// standalone instance) whose local delivery of plain room broadcasts goes through the
// `BroadcastScheduler` instead of Socket.IO's synchronous per-socket writes. `io.to(room).emit`
// stays the one way to broadcast; the adapter still decides local versus cluster delivery.
//
// Two differences from the stock cluster adapter, both about when local delivery happens:
//   - an emit of this instance publishes to Redis and queues local delivery at once; the stock
//     adapter awaited the publish first, so every event's fan-out waited for a Redis round trip
//     and then ran as a microtask, a whole batch of them in one turn of the event loop;
//   - a broadcast from another instance is queued the same way, in its lane, with ours.
//   - a broadcast this instance published comes back to it from Redis (every subscriber of a
//     channel hears it, the publisher too); the stock adapter parses it whole only to drop it by
//     its `uid`. Ours are published with the `uid` first, so the echo is recognised by its first
//     bytes and dropped unparsed.
//   - a broadcast whose payload the gateway built JSON-safe (marked `JSON_SAFE`: a delivery) is
//     stringified once: the Redis message and the clients' frame carry the same text for the
//     packet's data, where the stock path walked it for binary parts and stringified it twice.
// Everything else (acknowledged or volatile broadcasts, `except`, several rooms, socket joins,
// fetchSockets, server-side emits) is the stock adapter's.

import { Adapter, MessageType } from 'socket.io-adapter';
import type { BroadcastRooms, BroadcastScheduler } from './broadcastScheduler.js';

type Packet = { type: number; id?: number; data: unknown[]; nsp?: string };
type Options = { rooms: Set<string>; except?: Set<string>; flags?: Record<string, unknown> };
interface ClusterMessage {
  uid: string;
  nsp: string;
  type: number;
  data?: { packet?: Packet; requestId?: string; opts?: { rooms: string[]; except: string[]; flags?: {} } };
}

/**
 * Marks an emitted payload as JSON-safe (no Buffers, BigInts, Dates or cycles: the gateway's
 * deliveries, decoded through `jsonSafe`), so its broadcast is stringified once and never searched
 * for binary parts. Symbols are not serialized: the mark never reaches a client.
 */
export const JSON_SAFE: unique symbol = Symbol('tmbus.jsonSafe');

/** Stands for the packet's data in a Redis message stringified without it; and as it reads there. */
const DATA_MARK = '\u0001tmbus-packet-data\u0001';
const DATA_MARK_JSON = JSON.stringify(DATA_MARK);
/** A message this adapter publishes, with its text already made. */
const PRE_ENCODED = Symbol('tmbus.preEncoded');

/** The data of `packet` as JSON when the gateway marked it JSON-safe (a delivery), else undefined. */
export function jsonOf(packet: Packet): string | undefined {
  const d = packet.data;
  const payload = d.length === 2 ? (d[1] as { [JSON_SAFE]?: true } | null) : undefined;
  return typeof d[0] === 'string' && payload?.[JSON_SAFE] === true ? JSON.stringify(d) : undefined;
}

interface SchedulableAdapter extends BroadcastRooms {
  broadcast(packet: Packet, opts: Options): unknown;
  /** ClusterAdapter only. */
  uid?: string;
  onMessage?(message: ClusterMessage, offset?: string): unknown;
  publish?(message: { uid?: string; nsp?: string; type: number; data: unknown }): void;
  /** The sharded Redis adapter's entry for every message of its channels. */
  onRawMessage?(raw: Buffer | string, channel: Buffer | string): unknown;
  /** The sharded Redis adapter's encoding of a message it publishes. */
  encode?(message: object): string | Buffer;
}

const EVENT = 2;

/** The room of a broadcast the scheduler can deliver: one room, no ack, not volatile, no except. */
function plainRoom(packet: Packet, opts: Options): string | undefined {
  if (packet.type !== EVENT || packet.id !== undefined) return undefined;
  if (opts.rooms.size !== 1 || (opts.except && opts.except.size > 0)) return undefined;
  const f = opts.flags;
  if (f && (f.volatile || f.timeout !== undefined || f.binary)) return undefined;
  return opts.rooms.values().next().value;
}

/**
 * Wraps an adapter factory (`createShardedAdapter(...)`, or Socket.IO's in-memory `Adapter` when
 * none is given) so plain room broadcasts are delivered locally by `scheduler`.
 */
export function scheduledAdapter(
  scheduler: BroadcastScheduler,
  factory?: (nsp: unknown) => unknown,
): (nsp: unknown) => unknown {
  // A constructor-compatible function: Socket.IO calls `new adapter(nsp)`.
  return function createAdapter(nsp: unknown) {
    const adapter = (factory ? factory(nsp) : new Adapter(nsp)) as SchedulableAdapter;
    scheduler.watchRooms(adapter);
    const broadcast = adapter.broadcast.bind(adapter);
    adapter.broadcast = (packet, opts) => {
      const room = plainRoom(packet, opts);
      if (room === undefined) return broadcast(packet, opts);
      // Made here only for a publish; the scheduler makes it when the room has members here.
      let json: string | undefined;
      // Encoded for Redis synchronously, before the scheduler touches the packet.
      if (adapter.publish && !opts.flags?.local) {
        json = jsonOf(packet);
        const message = {
          // First, so the echo of this message is known by its first bytes (see onRawMessage).
          uid: adapter.uid,
          nsp: adapter.nsp.name,
          type: MessageType.BROADCAST,
          data: { packet, opts: { rooms: [room], except: [], flags: opts.flags ?? {} } },
        };
        const data = json;
        if (data !== undefined && adapter.encode) {
          // The stock encoding (JSON for a message without binary parts), with the data spliced in.
          const outline = { ...message, data: { ...message.data, packet: { ...packet, data: DATA_MARK } } };
          (message as { [PRE_ENCODED]?: string })[PRE_ENCODED] = JSON.stringify(outline).replace(
            DATA_MARK_JSON,
            () => data,
          );
        }
        adapter.publish(message);
      }
      scheduler.enqueue(adapter, room, packet, json);
      return undefined;
    };
    const encode = adapter.encode?.bind(adapter);
    if (encode)
      adapter.encode = (message) => (message as { [PRE_ENCODED]?: string })[PRE_ENCODED] ?? encode(message);
    const onRawMessage = adapter.onRawMessage?.bind(adapter);
    if (onRawMessage && adapter.uid) {
      // The adapter encodes a message without binary parts as JSON: ours start like this.
      const own = Buffer.from(`{"uid":${JSON.stringify(adapter.uid)},`);
      adapter.onRawMessage = (raw, channel) => {
        if (
          Buffer.isBuffer(raw) &&
          raw.length > own.length &&
          raw.compare(own, 0, own.length, 0, own.length) === 0
        )
          return undefined; // our own broadcast, back from Redis
        return onRawMessage(raw, channel);
      };
    }
    const onMessage = adapter.onMessage?.bind(adapter);
    if (onMessage) {
      adapter.onMessage = (message, offset) => {
        const packet = message.data?.packet;
        const o = message.data?.opts;
        if (
          message.type === MessageType.BROADCAST &&
          message.uid !== adapter.uid &&
          message.nsp === adapter.nsp.name &&
          message.data?.requestId === undefined &&
          packet &&
          o
        ) {
          const room = plainRoom(packet, {
            rooms: new Set(o.rooms),
            except: new Set(o.except),
            flags: o.flags,
          });
          if (room !== undefined) return scheduler.enqueue(adapter, room, packet);
        }
        return onMessage(message, offset);
      };
    }
    return adapter;
  };
}
