// Socket.IO clients of the end-to-end benchmark, in their own process (forked by bench/e2e.ts):
// clients `from`..`to` of the plan, each with an HS256 JWT (trader of one account; every 10th also
// admin, for the agents channel) and subscribed to the channels `channelsOf` names. Every delivery
// is recorded as (lane, partition, offset, receive time, client) — receive time in epoch ms with
// sub-ms precision — and written as a Float64Array to a file when the parent says stop; the parent
// joins it with the lane records by Kafka position. Plain socket.io-client, no SDK bookkeeping.

import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { SignJWT } from 'jose';
import { io, type Socket } from 'socket.io-client';
import { channelsOf, DELIVERY_FIELDS as FIELDS, isOps, laneIndexOf, setupFromEnv, topicsOf } from './plan.js';

const setup = setupFromEnv();
const { url, from, to, procIndex } = JSON.parse(process.env.E2E_CLIENTS ?? '') as {
  url: string;
  from: number;
  to: number;
  procIndex: number;
};
const send = (m: unknown) => process.send?.(m);
const laneOf = laneIndexOf(topicsOf(setup));
const key = new TextEncoder().encode(setup.auth.secret);

let chunk = new Float64Array(FIELDS * 65_536);
let used = 0;
const chunks: Float64Array[] = [];
let deliveries = 0;

interface DeliveryLike {
  position?: { topic: string; partition: number; offset: number };
}

function record(client: number, d: DeliveryLike): void {
  const received = performance.timeOrigin + performance.now();
  const p = d?.position;
  if (!p) return;
  deliveries++;
  if (used + FIELDS > chunk.length) {
    chunks.push(chunk);
    chunk = new Float64Array(chunk.length);
    used = 0;
  }
  chunk[used++] = laneOf.get(p.topic) ?? -1;
  chunk[used++] = p.partition;
  chunk[used++] = p.offset;
  chunk[used++] = received;
  chunk[used++] = client;
}

const sockets: Socket[] = [];
let refused = 0;
const refusals: string[] = [];

async function open(i: number): Promise<void> {
  const a = i % setup.accounts;
  const token = await new SignJWT({
    roles: isOps(i) ? ['trader', 'admin'] : ['trader'],
    account: `E2E-ACC-${a}`,
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(`e2e-u-${a}`)
    .setIssuer(setup.auth.issuer)
    .setAudience(setup.auth.audience)
    .setExpirationTime('2h')
    .sign(key);
  const s = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token } });
  sockets.push(s);
  await new Promise((resolve, reject) => {
    s.once('connect', () => resolve(undefined));
    s.once('connect_error', reject);
  });
  s.onAny((_event: string, d: DeliveryLike) => record(i, d));
  for (const channel of channelsOf(i, setup)) {
    // The users' rate limit (20 events/s by default) is shared by a user's connections: a refused
    // subscribe is tried again when the gateway says, as a real client would.
    for (let attempt = 0; ; attempt++) {
      const ack = (await s.timeout(60_000).emitWithAck('subscribe', { channel })) as {
        ok: boolean;
        code?: string;
        reason?: string;
        retryAfterMs?: number;
      };
      if (ack.ok) break;
      if (ack.code === 'RATE_LIMITED' && attempt < 50) {
        await new Promise((r) => setTimeout(r, ack.retryAfterMs ?? 200));
        continue;
      }
      refused++;
      if (refusals.length < 3) refusals.push(`${channel}: ${ack.code} ${ack.reason}`);
      break;
    }
  }
}

const started = Date.now();
let failed = 0;
let next = from;
await Promise.all(
  Array.from({ length: 20 }, async () => {
    while (next < to) {
      const i = next++;
      try {
        await open(i);
      } catch (e) {
        failed++;
        if (failed <= 3) send({ kind: 'log', message: `client ${i} failed: ${(e as Error)?.message ?? e}` });
      }
    }
  }),
);
send({
  kind: 'connected',
  ms: Date.now() - started,
  connected: sockets.filter((s) => s.connected).length,
  failed,
  refused,
  refusals,
});

const progress = setInterval(() => send({ kind: 'progress', deliveries }), 1000);
let cpu = process.cpuUsage();
process.on('message', (m: { kind?: string }) => {
  if (m?.kind === 'reset') cpu = process.cpuUsage();
  else if (m?.kind === 'stop') {
    clearInterval(progress);
    const usage = process.cpuUsage(cpu);
    const all = new Float64Array(chunks.length * chunk.length + used);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    all.set(chunk.subarray(0, used), at);
    const file = `/tmp/e2e-${setup.run}-clients-${procIndex}.bin`;
    writeFileSync(file, all);
    send({
      kind: 'result',
      file,
      deliveries,
      cpuMicros: usage.user + usage.system,
      connected: sockets.filter((s) => s.connected).length,
    });
  } else if (m?.kind === 'exit') {
    for (const s of sockets) s.disconnect();
    setTimeout(() => process.exit(0), 200);
  }
});
process.on('disconnect', () => process.exit(0));
