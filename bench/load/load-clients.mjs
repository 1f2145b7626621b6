// What the gateway benchmark's load clients share, whatever protocol they speak (forked by
// gateway-load.mjs with LOAD_CLIENTS): `count` connections opened `concurrency` at a time, each a
// user with an HS256 JWT, a latency histogram of deliveries (event header timestamp → receipt,
// same machine clock, 0.1 ms buckets up to 10 s), and the IPC the parent drives — `connected`
// once all are open, then `start` / `stop` of the measurement window (`result`: deliveries, the
// histogram, this process's CPU) and `exit`.

import { SignJWT } from 'jose';

/**
 * Runs the clients. `connect(n, token, received, opened)` opens connection number `n` of the whole
 * run (user `u-n`, account `ACC-n`), hands it to `opened` at once (so it is closed at exit even if
 * it never got ready), subscribes it to `market:SYM<n % symbols>` and `orders:ACC-n`, and calls
 * `received(timestamp)` for each delivery. `isOpen` and `close` act on one connection.
 *
 * @example
 * await runLoadClients({ connect, isOpen: (s) => s.connected, close: (s) => s.disconnect() });
 */
export async function runLoadClients({ connect, isOpen, close }) {
  const opts = JSON.parse(process.env.LOAD_CLIENTS ?? '{}');
  const { count, offset, secret, issuer, audience, concurrency } = opts;
  const key = new TextEncoder().encode(secret);

  const buckets = new Uint32Array(100_001);
  let measuring = false;
  let deliveries = 0;
  let windowDeliveries = 0;
  const received = (timestamp) => {
    deliveries++;
    if (!measuring || typeof timestamp !== 'number') return;
    windowDeliveries++;
    buckets[Math.min(100_000, Math.max(0, Math.round((Date.now() - timestamp) * 10)))]++;
  };

  const connections = [];
  const open = async (i) => {
    const n = offset + i;
    const token = await new SignJWT({ roles: ['trader'], account: `ACC-${n}` })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(`u-${n}`)
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime('2h')
      .sign(key);
    await connect(n, token, received, (c) => connections.push(c));
  };

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
          if (failed <= 3)
            process.send({ kind: 'log', message: `connection ${i} failed: ${e?.message ?? e}` });
        }
      }
    }),
  );
  const openCount = () => connections.filter(isOpen).length;
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
      for (const c of connections) close(c);
      setTimeout(() => process.exit(0), 200);
    }
  });
}

/** The run's options (`LOAD_CLIENTS`), for what a client's `connect` needs (url, symbols). */
export const loadOptions = () => JSON.parse(process.env.LOAD_CLIENTS ?? '{}');
