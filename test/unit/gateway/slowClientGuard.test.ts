// The slow-client policy on a real Socket.IO server and a client that stops reading (its TCP socket
// paused, so the server's buffer fills for real): market data is conflated to the latest per
// symbol and type, other deliveries are all kept, and an overflowing buffer triggers exactly one
// resume request.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { conflateInPlace, guardSlowClient } from '../../../gateway/delivery/slowClientGuard.js';
import { GatewayMetrics } from '../../../gateway/metrics.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function setup(maxBufferedPackets: number, conflateAfterMs = 20) {
  const http = createServer();
  const server = new Server(http, { transports: ['websocket'] });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const metrics = new GatewayMetrics();
  const overflows: number[] = [];
  const connected = new Promise<ServerSocket>((resolve) =>
    server.on('connection', (s) => {
      guardSlowClient(
        s,
        { maxBufferedPackets, conflateMarketData: true, conflateAfterMs },
        metrics,
        (sock, waiting) => {
          overflows.push(waiting);
          sock.emit('resume:required', { reason: 'slow', channels: [] });
        },
      );
      resolve(s);
    }),
  );
  const client: Socket = io(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
    transports: ['websocket'],
    reconnection: false,
  });
  const serverSocket = await connected;
  await new Promise<void>((r) => (client.connected ? r() : client.once('connect', () => r())));
  cleanups.push(() => {
    client.disconnect();
    server.close();
  });
  const tcp = () =>
    (client.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws
      ._socket;
  return { server, serverSocket, client, metrics, overflows, tcp };
}

/** Writes filler until the server can no longer write to the paused client. */
async function clog(s: ServerSocket): Promise<void> {
  const filler = 'x'.repeat(256 * 1024);
  const transport = () => (s.conn as unknown as { transport: { writable: boolean } }).transport;
  for (let i = 0; i < 400; i++) {
    s.emit('filler', filler);
    await new Promise((r) => setTimeout(r, 2));
    if (!transport().writable) {
      await new Promise((r) => setTimeout(r, 50));
      if (!transport().writable) return;
    }
  }
  throw new Error('the client never stopped reading');
}

const delivery = (channel: string, offset: number) => ({
  channel,
  position: { topic: 't', partition: 0, offset },
  prev: offset - 1,
});

describe('slow-client policy', () => {
  it('conflates market data to the latest per symbol and type while the client is slow', async () => {
    const { serverSocket, client, metrics, overflows, tcp } = await setup(1000);
    const got: { event: string; offset: number; channel: string }[] = [];
    for (const event of ['PRICE_UPDATE', 'VOLUME_UPDATE', 'MARGIN_CALL']) {
      client.on(event, (d: { channel: string; position: { offset: number } }) =>
        got.push({ event, offset: d.position.offset, channel: d.channel }),
      );
    }
    tcp().pause();
    await clog(serverSocket);
    // The first packet starts the wait; once it is older than conflateAfterMs the client is slow.
    serverSocket.emit('MARGIN_CALL', delivery('risk:ACC-1', -1));
    await new Promise((r) => setTimeout(r, 40));
    for (let i = 0; i < 100; i++) {
      serverSocket.emit('PRICE_UPDATE', delivery('market:AAPL', i));
      serverSocket.emit('PRICE_UPDATE', delivery('market:MSFT', i));
      if (i % 10 === 0) serverSocket.emit('VOLUME_UPDATE', delivery('market:AAPL', i));
      serverSocket.emit('MARGIN_CALL', delivery('risk:ACC-1', i));
    }
    tcp().resume();
    await new Promise((r) => setTimeout(r, 500));
    const prices = got.filter((g) => g.event === 'PRICE_UPDATE');
    // Only the latest price per symbol survived, and the volume update was not replaced by prices.
    expect(prices).toEqual([
      { event: 'PRICE_UPDATE', offset: 99, channel: 'market:AAPL' },
      { event: 'PRICE_UPDATE', offset: 99, channel: 'market:MSFT' },
    ]);
    expect(got.filter((g) => g.event === 'VOLUME_UPDATE').map((g) => g.offset)).toEqual([90]);
    // Nothing else is ever conflated: all 100 margin calls, in order.
    expect(got.filter((g) => g.event === 'MARGIN_CALL').map((g) => g.offset)).toEqual(
      Array.from({ length: 101 }, (_, i) => i - 1),
    );
    expect(metrics.conflated).toBe(198 + 9);
    expect(overflows).toEqual([]);
  });

  it('does not conflate a burst for a client that keeps up', async () => {
    const { serverSocket, client, metrics } = await setup(1000, 50);
    const offsets: number[] = [];
    client.on('PRICE_UPDATE', (d: { position: { offset: number } }) => offsets.push(d.position.offset));
    for (let i = 0; i < 300; i++) serverSocket.emit('PRICE_UPDATE', delivery('market:AAPL', i));
    await new Promise((r) => setTimeout(r, 300));
    expect(offsets).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(metrics.conflated).toBe(0);
  });

  it('keeps every critical delivery and asks the client to resume once when the buffer overflows', async () => {
    const { serverSocket, client, tcp, overflows } = await setup(50);
    const offsets: number[] = [];
    let resumeAfter = -1;
    client.on('MARGIN_CALL', (d: { position: { offset: number } }) => offsets.push(d.position.offset));
    client.on('resume:required', () => (resumeAfter = offsets.length));
    tcp().pause();
    await clog(serverSocket);
    for (let i = 0; i < 120; i++) serverSocket.emit('MARGIN_CALL', delivery('risk:ACC-1', i));
    expect(overflows).toHaveLength(1);
    expect(overflows[0]).toBe(51);
    tcp().resume();
    await new Promise((r) => setTimeout(r, 500));
    // Nothing was dropped; the notice went out right behind the 50 packets that were waiting.
    expect(offsets).toEqual(Array.from({ length: 120 }, (_, i) => i));
    expect(resumeAfter).toBe(50);
    // Re-armed once the buffer drained: a second overflow is reported again.
    tcp().pause();
    await clog(serverSocket);
    for (let i = 0; i < 60; i++) serverSocket.emit('MARGIN_CALL', delivery('risk:ACC-1', 200 + i));
    expect(overflows).toHaveLength(2);
  });

  it('conflateInPlace keeps the newest packet of each key and every untagged one', () => {
    const p = (n: number) => ({ n });
    const buffer = [p(1), p(2), p(3), p(4), p(5)];
    const keys = new WeakMap<{ n: number }, string>([
      [buffer[0]!, 'a'],
      [buffer[2]!, 'a'],
      [buffer[3]!, 'b'],
    ]);
    expect(conflateInPlace(buffer, keys)).toBe(1);
    expect(buffer.map((x) => x.n)).toEqual([2, 3, 4, 5]);
  });
});
