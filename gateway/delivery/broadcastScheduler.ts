// Local delivery of room broadcasts, off the emitting call and in slices. The adapter hands every
// plain room broadcast (this instance's and other instances' through Redis) to `enqueue`, which
// snapshots the room's members and queues the event in its lane; a slice runs on the next turn
// of the event loop and fans events out, highest lane first, until its time budget is spent, then
// yields so Kafka, Redis and client traffic are served between slices. A burst (a Kafka batch of
// hundreds of events, a failover backlog) therefore never holds the loop for longer than a slice.
//
// Each event is encoded once — Socket.IO packet, engine.io message, WebSocket frame — when its
// fan-out starts, and every member gets the same bytes (`ConnectionWriter`). Frames for one
// connection within a slice leave in one write. A room's members are kept as a list of their
// writers, rebuilt when someone joins or leaves it (`roomChanged`): a broadcast takes the current
// list as its snapshot, and a delivery is one call on a writer, with no lookups.
//
// When the instance itself falls behind (an event still waiting `conflateAfterMs` after it was
// queued), market data is conflated per channel: a newer event of the same channel and type takes
// the waiting one's place (its clients see the gap in `prev`, which market channels tolerate).
// Nothing else is ever dropped. `whenBelowLimit` lets the lane source stop fetching while more
// than `maxQueuedDeliveries` non-conflatable deliveries wait, so the queue stays bounded and the
// lag stays in Kafka.

import { PRIORITIES, type Priority } from '../../schemas/catalog.js';
import { isConflatable } from '../client/channels.js';
import type { GatewayMetrics } from '../metrics.js';
import { ConnectionWriter, type EncodedBroadcast, type WriterHooks } from './connectionWriter.js';
import { jsonOf } from './scheduledAdapter.js';
import type { SlowClientOptions } from './slowClientGuard.js';

/** What the scheduler needs of the namespace's adapter. */
export interface BroadcastRooms {
  readonly rooms: Map<string, Set<string>>;
  /** Emits `join-room` and `leave-room` (room, socket id) as Socket.IO's adapters do. */
  on(event: 'join-room' | 'leave-room', listener: (room: string) => void): unknown;
  readonly nsp: { name: string; sockets: Map<string, unknown> };
  /** Socket.IO's packet encoder (the server's). */
  readonly encoder: { encode(packet: unknown): (string | Buffer)[] };
}

export interface BroadcastSchedulerOptions {
  slowClients: SlowClientOptions;
  metrics: GatewayMetrics;
  /** A connection's outbox overflowed: stop its live delivery and ask it to resume. */
  onOverflow: (socket: import('socket.io').Socket, waiting: number) => void;
  /**
   * Longest a slice runs before yielding the event loop, ms.
   * @default 4
   */
  sliceMs?: number;
  /**
   * Deliveries staged before they are written out (and the slice's clock checked).
   * @default 256
   */
  writeEvery?: number;
  /**
   * Non-conflatable deliveries that may wait before `whenBelowLimit` holds the lane source back.
   * @default 20_000
   */
  maxQueuedDeliveries?: number;
}

interface QueuedBroadcast {
  rooms: BroadcastRooms;
  room: string;
  packet: { type: number; data: unknown[]; nsp?: string };
  /** Event name and the conflation key of market data (`room|event`). */
  key: string | undefined;
  lane: number;
  queuedAt: number;
  /** Members when the broadcast was made (Socket.IO semantics: later joiners do not get it). */
  members: readonly ConnectionWriter[];
  /** Next member to deliver to. */
  next: number;
  /** Set once fan-out starts. */
  encoded: EncodedBroadcast | undefined;
  /** The packet's data as JSON, when the adapter already made it (a published delivery). */
  json: string | undefined;
}

const LANE_OF = new Map<string, number>(PRIORITIES.map((p, i) => [p, i]));
const NOBODY: readonly ConnectionWriter[] = [];

export class BroadcastScheduler {
  private readonly lanes: QueuedBroadcast[][] = PRIORITIES.map(() => []);
  private readonly heads: number[] = PRIORITIES.map(() => 0);
  /** Waiting (not started) market broadcasts by conflation key. */
  private readonly waitingByKey = new Map<string, QueuedBroadcast>();
  private readonly writers = new WeakMap<object, ConnectionWriter>();
  /** Per adapter, the writers of each room's members (never changed in place: replaced). */
  private readonly roomWriters = new WeakMap<BroadcastRooms, Map<string, readonly ConnectionWriter[]>>();
  private dirty: ConnectionWriter[] = [];
  private readonly hooks: WriterHooks;
  private scheduled = false;
  private queuedDeliveries = 0;
  private readonly sliceMs: number;
  private readonly writeEvery: number;
  private readonly maxQueued: number;
  private waiters: (() => void)[] = [];
  /** Per packet encoder: whether packets made from JSON equal its own (see `fromJson`). */
  private readonly fromJsonTrusted = new WeakMap<object, boolean>();

  constructor(private readonly options: BroadcastSchedulerOptions) {
    this.sliceMs = options.sliceMs ?? 4;
    this.writeEvery = options.writeEvery ?? 256;
    this.maxQueued = options.maxQueuedDeliveries ?? 20_000;
    this.hooks = {
      staged: (w) => this.dirty.push(w),
      conflated: (n) => (options.metrics.conflated += n),
      overflow: (socket, waiting) => options.onOverflow(socket, waiting),
    };
  }

  /** Keeps `rooms`' member lists current (scheduledAdapter calls it once per adapter). */
  watchRooms(rooms: BroadcastRooms): void {
    const changed = (room: string) => this.roomWriters.get(rooms)?.delete(room);
    rooms.on('join-room', changed);
    rooms.on('leave-room', changed);
  }

  /**
   * Queues a room broadcast for local delivery; `json`: its data as JSON, when already made (the
   * packet is then encoded from it instead of being walked and stringified again).
   */
  enqueue(rooms: BroadcastRooms, room: string, packet: QueuedBroadcast['packet'], json?: string): void {
    const members = this.membersOf(rooms, room);
    if (members.length === 0) return;
    const event = typeof packet.data[0] === 'string' ? packet.data[0] : '';
    const delivery = packet.data[1] as { priority?: Priority } | undefined;
    const lane = LANE_OF.get(delivery?.priority ?? 'CRITICAL') ?? 0;
    const key =
      this.options.slowClients.conflateMarketData && isConflatable(room) ? `${room}|${event}` : undefined;
    const now = Date.now();
    if (key !== undefined) {
      const waiting = this.waitingByKey.get(key);
      // This instance is behind: the newer value takes the waiting one's place in the queue.
      if (waiting && now - waiting.queuedAt >= this.options.slowClients.conflateAfterMs) {
        this.options.metrics.conflated += waiting.members.length;
        waiting.packet = packet;
        waiting.json = json;
        waiting.members = members;
        return;
      }
    }
    const b: QueuedBroadcast = {
      rooms,
      room,
      packet,
      key,
      lane,
      queuedAt: now,
      members,
      next: 0,
      encoded: undefined,
      json,
    };
    this.lanes[lane]!.push(b);
    if (key !== undefined) this.waitingByKey.set(key, b);
    else this.queuedDeliveries += b.members.length;
    this.schedule();
  }

  /** Deliveries waiting (all lanes). */
  backlog(): number {
    let n = 0;
    for (let l = 0; l < this.lanes.length; l++) {
      const q = this.lanes[l]!;
      for (let i = this.heads[l]!; i < q.length; i++) n += q[i]!.members.length - q[i]!.next;
    }
    return n;
  }

  /** Resolves once no more than `maxQueuedDeliveries` non-conflatable deliveries wait. */
  whenBelowLimit(): Promise<void> {
    if (this.queuedDeliveries <= this.maxQueued) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.slice());
  }

  private slice(): void {
    this.scheduled = false;
    const deadline = performance.now() + this.sliceMs;
    let staged = 0;
    for (let b = this.next(); b; b = this.next()) {
      if (!b.encoded) {
        if (b.key !== undefined && this.waitingByKey.get(b.key) === b) this.waitingByKey.delete(b.key);
        b.encoded = this.encode(b);
      }
      const members = b.members;
      while (b.next < members.length) {
        members[b.next++]!.add(b.encoded);
        if (++staged >= this.writeEvery) {
          this.writeOut();
          staged = 0;
          if (performance.now() >= deadline) break;
        }
      }
      if (b.next < b.members.length) break;
      this.done(b);
    }
    this.writeOut();
    if (this.next()) this.schedule();
  }

  /** The first waiting broadcast, highest lane first. */
  private next(): QueuedBroadcast | undefined {
    for (let l = 0; l < this.lanes.length; l++) {
      const q = this.lanes[l]!;
      if (this.heads[l]! < q.length) return q[this.heads[l]!];
    }
    return undefined;
  }

  private done(b: QueuedBroadcast): void {
    const l = b.lane;
    const q = this.lanes[l]!;
    let h = this.heads[l]! + 1;
    if (h === q.length) {
      q.length = 0;
      h = 0;
    } else if (h > 1024 && h * 2 > q.length) {
      q.splice(0, h);
      h = 0;
    }
    this.heads[l] = h;
    if (b.key === undefined) {
      this.queuedDeliveries -= b.members.length;
      if (this.waiters.length > 0 && this.queuedDeliveries <= this.maxQueued) {
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w();
      }
    }
  }

  private writeOut(): void {
    const dirty = this.dirty;
    if (dirty.length === 0) return;
    this.dirty = [];
    for (let i = 0; i < dirty.length; i++) dirty[i]!.flush();
  }

  /** The writers of a room's members now (a list shared until the room's membership changes). */
  private membersOf(rooms: BroadcastRooms, room: string): readonly ConnectionWriter[] {
    let cache = this.roomWriters.get(rooms);
    const cached = cache?.get(room);
    if (cached) return cached;
    const sids = rooms.rooms.get(room);
    if (!sids || sids.size === 0) return NOBODY;
    const members: ConnectionWriter[] = [];
    let complete = true;
    for (const sid of sids) {
      const socket = rooms.nsp.sockets.get(sid);
      if (socket) members.push(this.writerOf(socket as import('socket.io').Socket));
      else complete = false; // joined a room before it was connected: not cached until it is
    }
    if (complete) {
      if (!cache) {
        cache = new Map();
        this.roomWriters.set(rooms, cache);
      }
      cache.set(room, members);
    }
    return members;
  }

  private writerOf(socket: import('socket.io').Socket): ConnectionWriter {
    let w = this.writers.get(socket);
    if (!w) {
      w = new ConnectionWriter(socket, this.options.slowClients, this.hooks);
      this.writers.set(socket, w);
    }
    return w;
  }

  /**
   * A text packet as Socket.IO's default encoder writes it (type, namespace unless "/", data as
   * JSON), made from the JSON the adapter already has. Checked against `encoder` on its first use,
   * so a server with another parser keeps its own.
   */
  private fromJson(encoder: BroadcastRooms['encoder'], packet: QueuedBroadcast['packet'], json: string) {
    const nsp = packet.nsp && packet.nsp !== '/' ? `${packet.nsp},` : '';
    const text = `${packet.type}${nsp}${json}`;
    let same = this.fromJsonTrusted.get(encoder);
    if (same === undefined) {
      const theirs = encoder.encode(packet);
      same = theirs.length === 1 && theirs[0] === text;
      this.fromJsonTrusted.set(encoder, same);
      if (!same) return theirs;
    }
    return same ? [text] : encoder.encode(packet);
  }

  private encode(b: QueuedBroadcast): EncodedBroadcast {
    b.packet.nsp = b.rooms.nsp.name;
    // A delivery's JSON (made once, for Redis too when published) saves the encoder's walk.
    const json = b.json ?? jsonOf(b.packet);
    const encoded =
      json !== undefined ? this.fromJson(b.rooms.encoder, b.packet, json) : b.rooms.encoder.encode(b.packet);
    const frame =
      encoded.length === 1 && typeof encoded[0] === 'string' ? textFrame(`4${encoded[0]}`) : undefined;
    return {
      packet: b.packet,
      encoded,
      // What Socket.IO's adapter gives engine.io for a broadcast (ws sends the frame as is).
      packetOpts: frame ? { preEncoded: true, wsPreEncodedFrame: [frame] } : { preEncoded: true },
      frame,
      conflationKey: b.key,
    };
  }
}

/** A text message as one unmasked, final WebSocket frame (header and payload in one buffer). */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN + text opcode
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(text, header);
  return frame;
}
