// One connection's end of a room broadcast. The broadcast scheduler encodes each event once into a
// finished WebSocket frame; this writer puts that frame on the connection's TCP socket directly, so
// a delivery costs one write — not a packet object, four emitter events and a stream callback in
// engine.io and ws for every socket. Frames staged during one scheduler slice leave together in
// one write (a backlog after a failover reaches a socket in one syscall, not one per event).
//
// The direct path is taken only when it cannot reorder anything: engine.io has no packet of its
// own waiting for this socket and the TCP socket has nothing unwritten. Otherwise the frame goes
// through engine.io like any Socket.IO packet (where the per-socket slow-client guard applies).
//
// A client that reads slower than we write keeps our write pending: later frames then wait in an
// outbox with the same policy as the guard (`slowClientGuard.ts`) — market data conflated to the
// latest per channel and event once the client has been slow for `conflateAfterMs`, everything
// else kept, and past `maxBufferedPackets` waiting the client is told to resume (once, re-armed
// when the outbox drains). The outbox leaves in one write when the pending one completes.
//
// Relies on Socket.IO 4 / engine.io 6 / ws 8 internals (`conn.writeBuffer`, `transport.socket`,
// `ws._socket`), the same ones engine.io uses for pre-encoded broadcast frames; a connection
// without them (another transport) always takes the engine.io path.

import type { Socket as TcpSocket } from 'node:net';
import type { Socket } from 'socket.io';
import type { SlowClientOptions } from './slowClientGuard.js';

/** What a writer needs of one encoded broadcast. */
export interface EncodedBroadcast {
  /** The Socket.IO packet as the adapter broadcasts it (given to outgoing listeners on the engine path). */
  readonly packet: { data?: unknown[] };
  /** Socket.IO's encoding of the packet (the engine.io path). */
  readonly encoded: readonly (string | Buffer)[];
  /** Engine.io write options of the engine path (carry the pre-encoded frame). */
  readonly packetOpts: Record<string, unknown>;
  /** The whole WebSocket frame (header and payload in one buffer); undefined: engine path only. */
  readonly frame: Buffer | undefined;
  /** Conflation key (`channel|event`) of market data; undefined for everything else. */
  readonly conflationKey: string | undefined;
}

interface EngineConnection {
  readyState: string;
  writeBuffer: unknown[];
  transport: { name: string; socket?: { readyState: number; _socket?: TcpSocket } };
}

interface SocketInternals {
  notifyOutgoingListeners(packet: unknown): void;
  client: { writeToEngine(encoded: readonly (string | Buffer)[], opts: Record<string, unknown>): void };
}

export interface WriterHooks {
  /** The first frame staged in a slice: the scheduler writes the writer out at the end of it. */
  staged(writer: ConnectionWriter): void;
  /** Market frames dropped from an outbox because a newer one of the same key followed. */
  conflated(n: number): void;
  /** The outbox passed `maxBufferedPackets` (once until it drains). */
  overflow(socket: Socket, waiting: number): void;
}

const OPEN = 1;

export class ConnectionWriter {
  /** Frames of the current slice, written by `flush` (the first apart: usually the only one). */
  private first: Buffer | undefined;
  private more: Buffer[] | undefined;
  /** Frames waiting for our pending write to complete; null where a newer frame replaced one. */
  private outbox: (Buffer | null)[] = [];
  private outboxCount = 0;
  private readonly outboxKeys = new Map<string, number>();
  private outboxSince = 0;
  private overflowed = false;
  /** Direct writes not yet completed. */
  private pending = 0;
  private readonly onWritten = (err?: Error | null) => this.written(err);

  constructor(
    readonly socket: Socket,
    private readonly options: SlowClientOptions,
    private readonly hooks: WriterHooks,
  ) {}

  /** Hands one broadcast to this connection (staged, queued in the outbox, or to engine.io). */
  add(b: EncodedBroadcast): void {
    if (!this.socket.connected) return;
    if (this.outbox.length > 0) {
      this.queue(b);
      return;
    }
    if (b.frame) {
      if (this.first) {
        if (this.more) this.more.push(b.frame);
        else this.more = [b.frame];
        return;
      }
      const tcp = this.directSocket();
      if (tcp && tcp.writableLength === 0) {
        this.first = b.frame;
        this.hooks.staged(this);
        return;
      }
      // Our own write is still pending: the client reads slower than we write.
      if (tcp && this.pending > 0) {
        this.queue(b);
        return;
      }
    } else this.flush();
    // engine.io has packets of its own waiting (or wrote the pending bytes): keep its order.
    this.viaEngine(b);
  }

  /** Writes what this slice staged, in one write. */
  flush(): void {
    const first = this.first;
    if (!first) return;
    const more = this.more;
    this.first = undefined;
    this.more = undefined;
    const tcp = this.tcp();
    if (!tcp) return;
    this.pending++;
    tcp.write(more ? Buffer.concat([first, ...more]) : first, this.onWritten);
  }

  private queue(b: EncodedBroadcast): void {
    // No frame (binary attachments): cannot join the outbox; engine.io is waiting for it too.
    if (!b.frame) {
      this.viaEngine(b);
      return;
    }
    const now = Date.now();
    if (this.outbox.length === 0) this.outboxSince = now;
    const key =
      this.options.conflateMarketData && now - this.outboxSince >= this.options.conflateAfterMs
        ? b.conflationKey
        : undefined;
    if (key !== undefined) {
      const older = this.outboxKeys.get(key);
      if (older !== undefined) {
        this.outbox[older] = null;
        this.outboxCount--;
        this.hooks.conflated(1);
      }
      this.outboxKeys.set(key, this.outbox.length);
    }
    this.outbox.push(b.frame);
    this.outboxCount++;
    if (this.outboxCount > this.options.maxBufferedPackets && !this.overflowed) {
      this.overflowed = true;
      this.hooks.overflow(this.socket, this.outboxCount);
    }
  }

  private viaEngine(b: EncodedBroadcast): void {
    const s = this.socket as unknown as SocketInternals;
    s.notifyOutgoingListeners(b.packet);
    s.client.writeToEngine(b.encoded, b.packetOpts);
  }

  private written(err?: Error | null): void {
    this.pending--;
    if (err || this.pending > 0 || this.outbox.length === 0) return;
    const frames = this.outbox.filter((f) => f !== null);
    this.outbox = [];
    this.outboxCount = 0;
    this.outboxKeys.clear();
    this.overflowed = false;
    const tcp = this.tcp();
    if (!tcp || frames.length === 0) return;
    this.pending++;
    tcp.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames), this.onWritten);
  }

  /** The TCP socket when a frame may be written on it directly now, else undefined. */
  private directSocket(): TcpSocket | undefined {
    const conn = this.socket.conn as unknown as EngineConnection;
    if (conn.writeBuffer.length > 0) return undefined;
    return this.tcp();
  }

  /** The open WebSocket's TCP socket, if the connection is on the websocket transport. */
  private tcp(): TcpSocket | undefined {
    const conn = this.socket.conn as unknown as EngineConnection;
    if (conn.readyState !== 'open' || conn.transport.name !== 'websocket') return undefined;
    const ws = conn.transport.socket;
    if (!ws || ws.readyState !== OPEN) return undefined;
    return ws._socket;
  }
}
