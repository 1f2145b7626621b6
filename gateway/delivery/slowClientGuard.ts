// The slow-client policy, per socket, at the engine.io buffer (where packets wait while a client
// reads slower than the gateway writes):
//   - market data is conflated once the client is slow, i.e. its buffer has not been written for
//     `conflateAfterMs`: a waiting market packet is then removed when a newer one for the same
//     channel and event type follows (latest price wins). A fast client that merely receives a
//     burst in one tick (a backlog after a failover) gets every packet;
//   - every other delivery is kept; when more than `maxBufferedPackets` wait, live delivery to
//     the socket stops (it leaves its channel rooms) and the client is sent `resume:required`.
//     The SDK then resumes from its cursor and the gap is replayed from Kafka: CRITICAL events are
//     never dropped silently, and the buffer stays bounded.
// Packets are recognised by Socket.IO's outgoing-listener hook, which runs synchronously right
// before the engine creates the packet; the buffer is edited in engine.io's `flush` event.

import type { Socket } from 'socket.io';
import { isConflatable } from '../client/channels.js';
import type { Delivery } from '../client/protocol.js';
import type { GatewayMetrics } from '../metrics.js';

export interface SlowClientOptions {
  maxBufferedPackets: number;
  conflateMarketData: boolean;
  /** How long the oldest waiting packet must have waited before market data is conflated, ms. */
  conflateAfterMs: number;
}

interface EnginePacket {
  type: string;
  data?: unknown;
}

interface EngineSocket {
  on(event: 'packetCreate', listener: (packet: EnginePacket) => void): unknown;
  on(event: 'flush', listener: (buffer: EnginePacket[]) => void): unknown;
}

/**
 * Installs the policy on one socket. `onOverflow` is called once per overflow with the socket
 * (stop live delivery and tell the client to resume); it is re-armed when the buffer drains.
 */
export function guardSlowClient(
  socket: Socket,
  options: SlowClientOptions,
  metrics: GatewayMetrics,
  onOverflow: (socket: Socket, waiting: number) => void,
): void {
  const keys = new WeakMap<EnginePacket, string>();
  /** Set by the outgoing hook, consumed by the very next engine packet. */
  let nextKey: string | undefined;
  let tagNext = false;
  let plain = 0;
  const conflatableKeys = new Set<string>();
  let overflowed = false;
  /** When the oldest packet still waiting was created (0: nothing waits). */
  let waitingSince = 0;

  socket.onAnyOutgoing((event: string, ...args: unknown[]) => {
    const d = args[0] as Partial<Delivery> | undefined;
    nextKey =
      options.conflateMarketData && typeof d?.channel === 'string' && isConflatable(d.channel)
        ? `${d.channel}|${event}`
        : undefined;
    tagNext = true;
  });

  const engine = socket.conn as unknown as EngineSocket;
  engine.on('packetCreate', (packet) => {
    if (packet.type !== 'message') return;
    const now = Date.now();
    if (plain + conflatableKeys.size === 0) waitingSince = now;
    // Only a client whose buffer has been stuck for a while is slow; a same-tick burst is not.
    const key = tagNext && now - waitingSince >= options.conflateAfterMs ? nextKey : undefined;
    tagNext = false;
    if (key !== undefined) {
      keys.set(packet, key);
      conflatableKeys.add(key);
    } else plain++;
    // What would be written after conflation: every plain packet plus one per conflation key.
    const waiting = plain + conflatableKeys.size;
    if (waiting > options.maxBufferedPackets && !overflowed) {
      overflowed = true;
      onOverflow(socket, waiting);
    }
  });

  engine.on('flush', (buffer) => {
    if (conflatableKeys.size > 0) metrics.conflated += conflateInPlace(buffer, keys);
    plain = 0;
    conflatableKeys.clear();
    overflowed = false;
    waitingSince = 0;
  });
}

/**
 * Removes from `buffer` every tagged packet that has a newer packet with the same key, in place
 * (engine.io writes this very array). Returns how many were removed.
 */
export function conflateInPlace<P extends object>(buffer: P[], keys: WeakMap<P, string>): number {
  const seen = new Set<string>();
  const keep: boolean[] = new Array(buffer.length);
  let removed = 0;
  for (let i = buffer.length - 1; i >= 0; i--) {
    const key = keys.get(buffer[i]!);
    if (key === undefined || !seen.has(key)) {
      keep[i] = true;
      if (key !== undefined) seen.add(key);
    } else {
      keep[i] = false;
      removed++;
    }
  }
  if (removed === 0) return 0;
  let w = 0;
  for (let i = 0; i < buffer.length; i++) if (keep[i]) buffer[w++] = buffer[i]!;
  buffer.length = w;
  return removed;
}
