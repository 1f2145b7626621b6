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

interface SchedulableAdapter extends BroadcastRooms {
  broadcast(packet: Packet, opts: Options): unknown;
  /** ClusterAdapter only. */
  uid?: string;
  onMessage?(message: ClusterMessage, offset?: string): unknown;
  publish?(message: { uid?: string; nsp?: string; type: number; data: unknown }): void;
  /** The sharded Redis adapter's entry for every message of its channels. */
  onRawMessage?(raw: Buffer | string, channel: Buffer | string): unknown;
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
      // Encoded for Redis synchronously, before the scheduler touches the packet.
      if (adapter.publish && !opts.flags?.local) {
        adapter.publish({
          // First, so the echo of this message is known by its first bytes (see onRawMessage).
          uid: adapter.uid,
          nsp: adapter.nsp.name,
          type: MessageType.BROADCAST,
          data: { packet, opts: { rooms: [room], except: [], flags: opts.flags ?? {} } },
        });
      }
      scheduler.enqueue(adapter, room, packet);
      return undefined;
    };
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
