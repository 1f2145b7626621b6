// Experiment: what one gateway broadcast costs in process CPU on the path a lane record takes when
// its room has one local member — the scheduled adapter over the real sharded Redis adapter (a
// publish per event) and one Socket.IO client — with the delivery marked JSON-safe (stringified
// once for Redis and the client) against unmarked (walked for binary parts and stringified twice,
// Socket.IO's stock path). Alternates the two, `rounds` times each.
//
// usage: node --import tsx bench/experiments/broadcast-cost.ts [events=20000] [rounds=3]

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { jsonSafe } from '../../gateway/decoder.js';
import { BroadcastScheduler } from '../../gateway/delivery/broadcastScheduler.js';
import { JSON_SAFE, scheduledAdapter } from '../../gateway/delivery/scheduledAdapter.js';
import { GatewayMetrics } from '../../gateway/metrics.js';
import { sampleEvent } from '../../schemas/samples.js';

const N = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const url = process.env.TMBUS_REDIS_URL ?? 'redis://127.0.0.1:16379';
const pub = new Redis(url, { enableAutoPipelining: true });
const sub = new Redis(url);
await Promise.all([pub, sub].map((c) => new Promise((r) => c.once('ready', r))));
const scheduler = new BroadcastScheduler({
  slowClients: { maxBufferedPackets: 100_000, conflateMarketData: false, conflateAfterMs: 1_000 },
  metrics: new GatewayMetrics(),
  onOverflow: () => {},
});
const http = createServer();
const server = new Server(http, {
  transports: ['websocket'],
  perMessageDeflate: false,
  adapter: scheduledAdapter(
    scheduler,
    createShardedAdapter(pub, sub, { channelPrefix: `exp-${process.pid}`, subscriptionMode: 'dynamic' }),
  ) as never,
});
server.on('connection', (s) => void s.join('orders:ACC-1'));
await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
const client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
  transports: ['websocket'],
});
await new Promise<void>((r) => client.once('connect', () => r()));
await new Promise((r) => setTimeout(r, 200)); // joined
let received = 0;
client.on('ORDER_FILLED', () => received++);

const event = jsonSafe(sampleEvent('ORDER_FILLED'));
const delivery = (i: number, marked: boolean) => ({
  channel: 'orders:ACC-1',
  type: 'ORDER_FILLED',
  priority: 'HIGH',
  position: { topic: 'tm.lane.high', partition: 0, offset: i },
  prev: i - 1,
  event,
  ...(marked ? { [JSON_SAFE]: true } : {}),
});

async function round(marked: boolean): Promise<number> {
  received = 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    server.to('orders:ACC-1').emit('ORDER_FILLED', delivery(i, marked));
    if (i % 200 === 199) await new Promise((r) => setImmediate(r)); // let slices and Redis run
  }
  while (received < N) await new Promise((r) => setTimeout(r, 5));
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / N; // includes the client's receive, the same both ways
}

for (let r = 0; r < ROUNDS; r++) {
  for (const marked of [false, true]) {
    const us = await round(marked);
    console.log(`${marked ? 'JSON-safe (once)' : 'stock (twice) '}: ${us.toFixed(1)} µs of CPU per event`);
  }
}
client.close();
server.close();
pub.disconnect();
sub.disconnect();
