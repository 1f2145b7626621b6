// Load clients for the gateway benchmark, in their own process (forked by gateway-load.mjs):
// opens `count` Socket.IO connections (one user each, separate engine per connection), subscribes
// each to one market symbol and its own account's orders channel, and measures deliveries and
// end-to-end latency (event header timestamp → receipt, same machine clock) while the parent says
// the measurement window is open. Plain socket.io-client: no SDK bookkeeping in the measurement.

import { SignJWT } from 'jose';
import { io } from 'socket.io-client';

const opts = JSON.parse(process.env.LOAD_CLIENTS ?? '{}');
const { url, count, offset, symbols, secret, issuer, audience, concurrency } = opts;
const key = new TextEncoder().encode(secret);

/** Latency histogram: 0.1 ms buckets up to 10 s. */
const buckets = new Uint32Array(100_001);
let measuring = false;
let deliveries = 0;
let windowDeliveries = 0;

function onDelivery(_event, d) {
  deliveries++;
  if (!measuring || !d?.event?.header) return;
  windowDeliveries++;
  const ms = Date.now() - d.event.header.timestamp;
  buckets[Math.min(100_000, Math.max(0, Math.round(ms * 10)))]++;
}

const sockets = [];
async function open(i) {
  const n = offset + i;
  const token = await new SignJWT({ roles: ['trader'], account: `ACC-${n}` })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(`u-${n}`)
    .setIssuer(issuer)
    .setAudience(audience)
    .setExpirationTime('2h')
    .sign(key);
  const s = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token } });
  sockets.push(s);
  await new Promise((resolve, reject) => {
    s.once('connect', resolve);
    s.once('connect_error', reject);
  });
  s.onAny(onDelivery);
  const market = await s.timeout(60_000).emitWithAck('subscribe', { channel: `market:SYM${n % symbols}` });
  const orders = await s.timeout(60_000).emitWithAck('subscribe', { channel: `orders:ACC-${n}` });
  if (!market.ok || !orders.ok) throw new Error(`subscribe refused: ${JSON.stringify([market, orders])}`);
}

const started = Date.now();
let failed = 0;
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++;
      try {
        await open(i);
      } catch (e) {
        failed++;
        if (failed <= 3) process.send({ kind: 'log', message: `connection ${i} failed: ${e?.message ?? e}` });
      }
    }
  }),
);
process.send({
  kind: 'connected',
  ms: Date.now() - started,
  connected: sockets.filter((s) => s.connected).length,
  failed,
});

let cpuAtStart = process.cpuUsage();
let startedAt = Date.now();
process.on('message', (m) => {
  if (m.kind === 'start') {
    cpuAtStart = process.cpuUsage();
    startedAt = Date.now();
    measuring = true;
    windowDeliveries = 0;
    buckets.fill(0);
  } else if (m.kind === 'stop') {
    measuring = false;
    const used = process.cpuUsage(cpuAtStart);
    const cpuPercent = Math.round(((used.user + used.system) / 1000 / (Date.now() - startedAt)) * 100);
    process.send({
      kind: 'result',
      cpuPercent,
      deliveries: windowDeliveries,
      total: deliveries,
      buckets: Array.from(buckets),
      connected: sockets.filter((s) => s.connected).length,
    });
  } else if (m.kind === 'exit') {
    for (const s of sockets) s.disconnect();
    setTimeout(() => process.exit(0), 200);
  }
});
