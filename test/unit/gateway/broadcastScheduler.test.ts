// Local delivery of room broadcasts through the BroadcastScheduler, on a real Socket.IO server
// (in-memory adapter wrapped by `scheduledAdapter`) and real socket.io-client connections: every
// member gets every event once, in order; CRITICAL leaves before market data queued with it; a
// burst is delivered in slices with the event loop served between them; market data is conflated
// when the instance is behind and for a client that stops reading, nothing else is; an outbox
// overflow asks once for a resume; the lane source is held back while too much waits.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { Adapter } from 'socket.io-adapter';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BroadcastScheduler, textFrame } from '../../../gateway/delivery/broadcastScheduler.js';
import { JSON_SAFE, scheduledAdapter } from '../../../gateway/delivery/scheduledAdapter.js';
import { GatewayMetrics } from '../../../gateway/metrics.js';

/** ws's own framing (untyped in @types/ws), the reference for `textFrame`. */
const wsFrame = (WebSocket as unknown as { Sender: { frame(data: Buffer, o: object): Buffer[] } }).Sender
  .frame;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

interface Setup {
  server: Server;
  scheduler: BroadcastScheduler;
  metrics: GatewayMetrics;
  clients: Socket[];
  overflows: number[];
  /** The client's TCP socket (pause it to stop reading). */
  tcp(i: number): { pause(): void; resume(): void };
}

/**
 * Socket.IO's in-memory adapter dressed as a cluster one: what it publishes is recorded, encoded as
 * the sharded Redis adapter encodes a message without binary parts (JSON).
 */
class PublishingAdapter extends Adapter {
  readonly uid = 'node-1';
  readonly published: object[] = [];
  /** Messages this encoding was asked for (not those the scheduled adapter encoded itself). */
  stockEncodes = 0;
  publish(message: object): void {
    this.published.push(message);
  }
  encode(message: object): string {
    this.stockEncodes++;
    return JSON.stringify(message);
  }
}

async function setup(
  n: number,
  o: {
    maxBufferedPackets?: number;
    conflateAfterMs?: number;
    sliceMs?: number;
    writeEvery?: number;
    maxQueued?: number;
    cluster?: boolean;
  } = {},
): Promise<Setup> {
  const metrics = new GatewayMetrics();
  const overflows: number[] = [];
  const scheduler = new BroadcastScheduler({
    slowClients: {
      maxBufferedPackets: o.maxBufferedPackets ?? 1000,
      conflateMarketData: true,
      conflateAfterMs: o.conflateAfterMs ?? 20,
    },
    metrics,
    onOverflow: (socket, waiting) => {
      overflows.push(waiting);
      socket.emit('resume:required', { reason: 'slow', channels: [] });
    },
    sliceMs: o.sliceMs,
    writeEvery: o.writeEvery,
    maxQueuedDeliveries: o.maxQueued,
  });
  const http = createServer();
  const server = new Server(http, {
    transports: ['websocket'],
    perMessageDeflate: false,
    adapter: scheduledAdapter(
      scheduler,
      // biome-ignore lint/suspicious/noExplicitAny: Socket.IO's namespace, untyped here
      o.cluster ? (nsp) => new PublishingAdapter(nsp as any) : undefined,
      // biome-ignore lint/suspicious/noExplicitAny: Socket.IO types its adapter option as a class
    ) as any,
  });
  server.on('connection', (s) => {
    s.on('join', (room: string, ack: () => void) => {
      void s.join(room);
      ack();
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clients: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const c = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise<void>((r) => c.once('connect', () => r()));
    clients.push(c);
  }
  cleanups.push(() => {
    for (const c of clients) c.disconnect();
    server.close();
  });
  const tcp = (i: number) =>
    (clients[i]!.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws
      ._socket;
  return { server, scheduler, metrics, clients, overflows, tcp };
}

const join = (c: Socket, room: string) => c.timeout(2000).emitWithAck('join', room);
const delivery = (channel: string, offset: number, priority = 'HIGH') => ({
  channel,
  priority,
  position: { topic: 't', partition: 0, offset },
  prev: offset - 1,
});
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

function record(c: Socket) {
  const got: { event: string; channel: string; offset: number }[] = [];
  c.onAny((event: string, d: { channel?: string; position?: { offset: number } }) => {
    if (d?.position) got.push({ event, channel: d.channel ?? '', offset: d.position.offset });
  });
  return got;
}

describe('BroadcastScheduler', () => {
  it('frames a text message as ws does', () => {
    for (const size of [0, 10, 125, 126, 200, 65_535, 65_536, 70_000]) {
      const text = 'é'.repeat(Math.floor(size / 2)) + 'x'.repeat(size % 2);
      const data = Buffer.from(text);
      const [header, payload] = wsFrame(data, {
        readOnly: false,
        mask: false,
        rsv1: false,
        opcode: 1,
        fin: true,
      });
      expect(textFrame(text).equals(Buffer.concat([header!, payload!]))).toBe(true);
    }
  });

  it('stringifies a JSON-safe delivery once: its Redis message and client payload are the stock ones', async () => {
    const { server, clients } = await setup(1, { cluster: true });
    await join(clients[0]!, 'orders:A');
    const got = new Promise<unknown>((r) => clients[0]!.once('ORDER_FILLED', r));
    const payload = { ...delivery('orders:A', 7), event: { note: 'é "quoted" \\ \u0001', n: 1.5 } };
    server.to('orders:A').emit('ORDER_FILLED' as never, { ...payload, [JSON_SAFE]: true } as never);
    const adapter = server.of('/').adapter as unknown as PublishingAdapter;
    expect(adapter.published).toHaveLength(1);
    const message = adapter.published[0]!;
    const text = adapter.encode(message);
    // The spliced text: the uid first (the echo check reads it), and the same JSON the stock
    // encoding makes of the message (the mark is a symbol: never serialized).
    expect(adapter.stockEncodes).toBe(0); // made with the client's payload, not stringified again
    expect(text.startsWith('{"uid":"node-1",')).toBe(true);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(message)));
    expect(JSON.parse(text).data.packet.data).toEqual(['ORDER_FILLED', payload]);
    expect(await got).toEqual(payload);
  });

  it('delivers every event to every member of the room once, in order, and nothing to others', async () => {
    const { server, clients } = await setup(3);
    await join(clients[0]!, 'orders:A');
    await join(clients[1]!, 'orders:A');
    const got = clients.map(record);
    for (let i = 0; i < 500; i++)
      server.to('orders:A').emit('ORDER_FILLED' as never, delivery('orders:A', i));
    await settle();
    const expected = Array.from({ length: 500 }, (_, i) => ({
      event: 'ORDER_FILLED',
      channel: 'orders:A',
      offset: i,
    }));
    expect(got[0]).toEqual(expected);
    expect(got[1]).toEqual(expected);
    expect(got[2]).toEqual([]);
  });

  it('follows joins, leaves and disconnects between broadcasts to the same room', async () => {
    const { server, clients } = await setup(3);
    const got = clients.map(record);
    const emit = (offset: number) =>
      server.to('orders:A').emit('ORDER_FILLED' as never, delivery('orders:A', offset));
    await join(clients[0]!, 'orders:A');
    emit(1);
    await settle(100);
    await join(clients[1]!, 'orders:A');
    emit(2);
    await settle(100);
    server.in(clients[0]!.id!).socketsLeave('orders:A');
    await join(clients[2]!, 'orders:A');
    emit(3);
    await settle(100);
    clients[1]!.disconnect();
    await settle(100);
    emit(4);
    await settle(100);
    const offsets = got.map((g) => g.map((d) => d.offset));
    expect(offsets).toEqual([
      [1, 2],
      [2, 3],
      [3, 4],
    ]);
  });

  it('never writes a broadcast ahead of packets waiting in engine.io for the socket', async () => {
    const { server, clients, tcp } = await setup(1);
    await join(clients[0]!, 'orders:A');
    const got = record(clients[0]!);
    const socket = [...server.of('/').sockets.values()][0]!;
    const writable = () =>
      (socket.conn as unknown as { transport: { writable: boolean } }).transport.writable;
    tcp(0).pause();
    // A large per-socket emit (a replay) that the paused client does not read: engine.io's
    // transport stays busy and what follows waits in its buffer.
    const filler = 'x'.repeat(256 * 1024);
    for (let i = 0; i < 400 && writable(); i++) {
      socket.emit('FILLER' as never, filler as never);
      await settle(2);
    }
    expect(writable()).toBe(false);
    socket.emit('ORDER_FILLED' as never, delivery('orders:A', 1));
    await settle(20);
    server.to('orders:A').emit('ORDER_FILLED' as never, delivery('orders:A', 2));
    await settle(20);
    socket.emit('ORDER_FILLED' as never, delivery('orders:A', 3));
    await settle(20);
    server.to('orders:A').emit('ORDER_FILLED' as never, delivery('orders:A', 4));
    await settle(20);
    tcp(0).resume();
    await settle(1500);
    expect(got.map((g) => g.offset)).toEqual([1, 2, 3, 4]);
  });

  it('sends CRITICAL deliveries ahead of market data queued before them', async () => {
    const { server, clients } = await setup(1);
    await join(clients[0]!, 'market:AAPL');
    await join(clients[0]!, 'risk:A');
    const got = record(clients[0]!);
    for (let i = 0; i < 20; i++)
      server.to('market:AAPL').emit('PRICE_UPDATE' as never, delivery('market:AAPL', i));
    server.to('risk:A').emit('MARGIN_CALL' as never, delivery('risk:A', 0, 'CRITICAL'));
    await settle();
    expect(got[0]).toEqual({ event: 'MARGIN_CALL', channel: 'risk:A', offset: 0 });
    expect(got.slice(1).map((g) => g.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('delivers a burst in slices, serving the event loop between them', async () => {
    const { server, clients } = await setup(2, { sliceMs: 0, writeEvery: 1 });
    await join(clients[0]!, 'orders:A');
    await join(clients[1]!, 'orders:A');
    const got = record(clients[0]!);
    let written = 0;
    for (const s of server.of('/').sockets.values()) s.conn.on('drain', () => written++);
    for (let i = 0; i < 50; i++) server.to('orders:A').emit('ORDER_FILLED' as never, delivery('orders:A', i));
    const before = written;
    // One slice (one frame, then the clock says stop) and this callback runs before the rest.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(before).toBe(0);
    expect(got.length).toBeLessThan(50);
    await settle();
    expect(got.map((g) => g.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('conflates market data waiting in the queue while the instance is behind, nothing else', async () => {
    const { server, clients, metrics } = await setup(2, { conflateAfterMs: 0 });
    for (const c of clients) {
      await join(c, 'market:AAPL');
      await join(c, 'orders:A');
    }
    const got = clients.map(record);
    // All emitted in one turn: the first market event is still waiting when the next comes.
    for (let i = 0; i < 10; i++) {
      server.to('market:AAPL').emit('PRICE_UPDATE' as never, delivery('market:AAPL', i));
      server.to('orders:A').emit('ORDER_FILLED' as never, delivery('orders:A', i));
    }
    await settle();
    for (const g of got) {
      expect(g.filter((x) => x.event === 'PRICE_UPDATE').map((x) => x.offset)).toEqual([9]);
      expect(g.filter((x) => x.event === 'ORDER_FILLED').map((x) => x.offset)).toEqual(
        Array.from({ length: 10 }, (_, i) => i),
      );
    }
    expect(metrics.conflated).toBe(2 * 9);
  });

  it('conflates market data for a client that stops reading, keeps the rest, asks once to resume', async () => {
    const { server, clients, tcp, overflows, metrics } = await setup(2, { maxBufferedPackets: 300 });
    for (const c of clients) {
      await join(c, 'market:AAPL');
      await join(c, 'risk:A');
    }
    const got = clients.map(record);
    tcp(0).pause();
    // Fill the slow client's TCP buffers until our writes to it stay pending.
    const filler = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 200; i++) {
      server.to('risk:A').emit('FILLER' as never, { filler, channel: 'risk:A', priority: 'CRITICAL' });
      await settle(2);
    }
    await settle(50);
    for (let i = 0; i < 400; i++) {
      server.to('market:AAPL').emit('PRICE_UPDATE' as never, delivery('market:AAPL', i));
      server.to('risk:A').emit('MARGIN_CALL' as never, delivery('risk:A', i, 'CRITICAL'));
      if (i % 50 === 0) await settle(5);
    }
    await settle(100);
    // The reading client got everything; the slow one overflowed once (its outbox past 300).
    expect(got[1]!.filter((g) => g.event === 'PRICE_UPDATE')).toHaveLength(400);
    expect(overflows).toHaveLength(1);
    tcp(0).resume();
    await settle(1500);
    const slow = got[0]!;
    // Every MARGIN_CALL, in order; market data only partly (the latest always).
    expect(slow.filter((g) => g.event === 'MARGIN_CALL').map((g) => g.offset)).toEqual(
      Array.from({ length: 400 }, (_, i) => i),
    );
    const prices = slow.filter((g) => g.event === 'PRICE_UPDATE').map((g) => g.offset);
    expect(prices.at(-1)).toBe(399);
    expect(prices.length).toBeLessThan(400);
    expect(metrics.conflated).toBe(400 - prices.length);
  });

  it('holds the lane source back while more deliveries wait than allowed', async () => {
    const { server, scheduler, clients } = await setup(1, { maxQueued: 10 });
    await join(clients[0]!, 'orders:A');
    for (let i = 0; i < 11; i++) server.to('orders:A').emit('ORDER_FILLED' as never, delivery('orders:A', i));
    let released = false;
    const wait = scheduler.whenBelowLimit().then(() => (released = true));
    expect(released).toBe(false);
    expect(scheduler.backlog()).toBe(11);
    await wait;
    expect(scheduler.backlog()).toBeLessThanOrEqual(10);
    await expect(scheduler.whenBelowLimit()).resolves.toBeUndefined();
  });
});
