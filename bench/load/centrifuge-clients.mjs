// Load clients for the `centrifuge` peer of the gateway benchmark (forked by gateway-load.mjs
// --peer centrifuge): the same shape and IPC as gateway-load-clients.mjs — `count` WebSocket
// connections, an HS256 JWT each, one market:SYM channel and the user's orders: channel — speaking
// Centrifuge's JSON protocol (v2) directly over `ws`, as the Socket.IO clients use plain
// socket.io-client: no SDK bookkeeping in the measurement. Latency: event header timestamp →
// receipt, same machine clock.

import { SignJWT } from 'jose';
import WebSocket from 'ws';

const opts = JSON.parse(process.env.LOAD_CLIENTS ?? '{}');
const { url, count, offset, symbols, secret, issuer, audience, concurrency } = opts;
const key = new TextEncoder().encode(secret);

const buckets = new Uint32Array(100_001);
let measuring = false;
let deliveries = 0;
let windowDeliveries = 0;

function onPublication(data) {
  deliveries++;
  const ts = data?.event?.header?.timestamp;
  if (!measuring || typeof ts !== 'number') return;
  windowDeliveries++;
  buckets[Math.min(100_000, Math.max(0, Math.round((Date.now() - ts) * 10)))]++;
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
  const ws = new WebSocket(url, { perMessageDeflate: false });
  sockets.push(ws);
  const replies = new Map();
  let nextId = 1;
  const call = (command) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => reject(new Error(`no reply to ${Object.keys(command)[0]}`)), 60_000);
      replies.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.error) reject(new Error(`${Object.keys(command)[0]}: ${JSON.stringify(reply.error)}`));
        else resolve(reply);
      });
      ws.send(JSON.stringify({ id, ...command }));
    });
  ws.on('message', (raw) => {
    // One frame may carry several newline-separated replies and pushes.
    for (const line of raw.toString().split('\n')) {
      if (!line) continue;
      const msg = JSON.parse(line);
      if (msg.id) replies.get(msg.id)?.(msg);
      else if (msg.push?.pub) onPublication(msg.push.pub.data);
      else if (!msg.push) ws.send('{}'); // the server's ping: answer with a pong
    }
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  await call({ connect: { token, name: 'bench' } });
  await call({ subscribe: { channel: `market:SYM${n % symbols}` } });
  await call({ subscribe: { channel: `orders:ACC-${n}` } });
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
const openCount = () => sockets.filter((s) => s.readyState === WebSocket.OPEN).length;
process.send({ kind: 'connected', ms: Date.now() - started, connected: openCount(), failed });

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
      connected: openCount(),
    });
  } else if (m.kind === 'exit') {
    for (const s of sockets) s.close();
    setTimeout(() => process.exit(0), 200);
  }
});
