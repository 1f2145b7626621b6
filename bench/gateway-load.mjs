// Gateway load benchmark: N concurrent Socket.IO connections (default 10,000) from separate client
// processes against one gateway process, with Avro events produced to fresh lane topics on the real
// Kafka, Redis and schema registry. Reports connect time, deliveries/s, p50/p99 end-to-end latency
// (producer timestamp → client receipt) and the gateway's heap.
//
//   node --import tsx bench/gateway-load.mjs [--connections 10000] [--symbols 100] [--rate 200]
//        [--duration 30] [--client-procs 2] [--concurrency 200] [--peer tmbus|centrifuge]
//
// `--peer centrifuge` measures, with the same load and clients of the same shape, the server in
// bench/peers/centrifuge (the `centrifuge` Go library, Centrifugo's core; built with `go build` from
// the Go module proxy on first use) fed from the same lane topics. Its CPU and RSS are read from
// /proc; it has no JS heap or event loop to report.
//
// Beside the server, a plain Kafka consumer (this process; the gateway's lane settings: batches of
// 500, read_committed, partition EOF) reads the same lanes and reports `kafkaHopMs`, the latency
// from each record's create time to its consumption: the Kafka hop alone, which the end-to-end
// figures include.
//
// `--rate` is events/s produced (90% market data on `--symbols` symbols, 10% order fills to single
// accounts); each market event reaches connections/symbols clients. Results also go to
// bench/results/gateway-load-<time>.json. Services: TMBUS_* variables or the services script defaults.

import { execFileSync, fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectionConfigFromEnv } from '../core/config.ts';
import { BusConsumer } from '../runtime/kafka/consumer.ts';
import { BusProducer } from '../runtime/kafka/producer.ts';
import { TopicManager } from '../runtime/kafka/topics.ts';
import { CATALOG, familyOf, PRIORITIES, priorityOf } from '../schemas/catalog.ts';
import { createEventSerde } from '../schemas/event-serde.ts';
import { HttpSchemaRegistry } from '../schemas/http-registry.ts';
import { sampleEvent } from '../schemas/samples.ts';

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '10000' },
    symbols: { type: 'string', default: '100' },
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '30' },
    'client-procs': { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '200' },
    peer: { type: 'string', default: 'tmbus' },
  },
});
const PEER = args.peer;
if (PEER !== 'tmbus' && PEER !== 'centrifuge')
  throw new Error(`--peer must be tmbus or centrifuge, not ${PEER}`);
const N = Number(args.connections);
const SYMBOLS = Number(args.symbols);
const RATE = Number(args.rate);
const DURATION = Number(args.duration);
const PROCS = Math.max(1, Math.min(N, Number(args['client-procs'])));
const root = join(import.meta.dirname, '..');
const log = (...m) => console.error(`[gateway-load ${new Date().toISOString().slice(11, 19)}]`, ...m);

const connection = connectionConfigFromEnv({
  TMBUS_KAFKA_BROKERS: '127.0.0.1:19092',
  TMBUS_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
  TMBUS_REDIS_URL: 'redis://127.0.0.1:16379',
  ...process.env,
});
const run = `${Date.now().toString(36)}`;
const lanes = Object.fromEntries(PRIORITIES.map((p) => [p, `bench-gw-${p.toLowerCase()}-${run}`]));
const auth = {
  secret: `bench-secret-${run}-0123456789abcdef0123456789`,
  issuer: 'https://bench.idp',
  audience: 'bench-gw',
};

// --- Kafka: lanes, serdes, producer -----------------------------------------------------------
const topics = new TopicManager(connection);
await topics.ensure(PRIORITIES.map((p) => ({ name: lanes[p], partitions: 4 })));
const registry = new HttpSchemaRegistry({ url: connection.registry.url });
const serdes = Object.fromEntries(
  await Promise.all(PRIORITIES.map(async (p) => [p, await createEventSerde(registry, { topic: lanes[p] })])),
);
const producer = new BusProducer({ connection, clientId: `bench-gw-producer-${run}` });
await producer.connect();

function publish(type, overrides) {
  const event = sampleEvent(type, overrides);
  const priority = priorityOf(type);
  const key = String(event.header[CATALOG[familyOf(type)].keyField]);
  return producer.send({
    topic: lanes[priority],
    key: Buffer.from(key),
    value: serdes[priority].serialize(event, { topic: lanes[priority] }),
  });
}

// --- the gateway process --------------------------------------------------------------------
const gatewayConfig = {
  instanceId: `bench-gw-${run}`,
  connection: { ...connection, redis: { url: connection.redis?.url ?? 'redis://127.0.0.1:16379' } },
  server: { host: '127.0.0.1', port: 0 },
  lanes: { topics: lanes, groupId: `bench-gw-${run}`, startFrom: 'latest' },
  redis: { keyPrefix: `bench-gw-${run}:`, channelPrefix: `bench-gw-${run}` },
  auth: { jwt: auth },
};
let stats = { heapUsed: 0, rss: 0, cpuPercent: 0, partitions: 0, metrics: undefined };
let peak = { heapUsed: 0, rss: 0 };
let cpuSamples = [];
let loopSamples = [];
const server = PEER === 'centrifuge' ? startCentrifugePeer() : startGateway();
const url = await server.url;
while (stats.partitions < 16) await new Promise((r) => setTimeout(r, 200));
log(
  `${PEER === 'centrifuge' ? 'centrifuge peer' : 'gateway'} ${url} consumes all 16 lane partitions; heap ${mb(stats.heapUsed)}`,
);

function startGateway() {
  const child = fork(join(root, 'bench/gateway-load-server.ts'), [], {
    // GATEWAY_CPU_PROF=1 writes a V8 CPU profile of the gateway to bench/results/.
    execArgv: [
      '--import',
      'tsx',
      '--max-old-space-size=2048',
      ...(process.env.GATEWAY_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${join(root, 'bench/results')}`]
        : []),
      // e.g. GATEWAY_NODE_ARGS=--trace-gc
      ...(process.env.GATEWAY_NODE_ARGS ? process.env.GATEWAY_NODE_ARGS.split(' ') : []),
    ],
    env: { ...process.env, GATEWAY_CONFIG: JSON.stringify(gatewayConfig) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = new Promise((resolve) =>
    child.on('message', (m) => {
      if (m.kind === 'ready') resolve(m.url);
      if (m.kind === 'stats') {
        stats = m;
        peak = { heapUsed: Math.max(peak.heapUsed, m.heapUsed), rss: Math.max(peak.rss, m.rss) };
        cpuSamples.push(m.cpuPercent);
        loopSamples.push(m.loopDelayMs);
      }
    }),
  );
  return {
    url,
    stop: () => {
      child.send({ kind: 'stop' });
      return new Promise((r) => child.once('exit', r));
    },
  };
}

/** The centrifuge peer: built if needed, started on the lane topics; CPU and RSS from /proc each second. */
function startCentrifugePeer() {
  const dir = join(root, 'bench/peers/centrifuge');
  const binary = join(dir, 'centrifuge-peer');
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(join(dir, 'main.go')).mtimeMs) {
    log('building the centrifuge peer (go build; modules from the Go module proxy)…');
    execFileSync('go', ['build', '-o', binary, '.'], { cwd: dir, stdio: 'inherit' });
  }
  const child = spawn(
    binary,
    [
      '--brokers',
      connection.kafka.brokers,
      '--registry',
      connection.registry.url,
      '--topics',
      Object.values(lanes).join(','),
      '--secret',
      auth.secret,
      '--issuer',
      auth.issuer,
      '--audience',
      auth.audience,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const ticks = () => {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime, 1/100 s
  };
  const rss = () =>
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  let last = { ticks: 0, at: Date.now() };
  const timer = setInterval(() => {
    try {
      const now = { ticks: ticks(), at: Date.now() };
      const cpuPercent = Math.round(((now.ticks - last.ticks) * 10 * 100) / (now.at - last.at));
      last = now;
      stats = { heapUsed: 0, rss: rss(), cpuPercent, partitions: 16, metrics: undefined };
      peak = { heapUsed: 0, rss: Math.max(peak.rss, stats.rss) };
      cpuSamples.push(cpuPercent);
    } catch {
      // exited
    }
  }, 1000);
  const url = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /READY (\d+)/.exec(out);
      if (m) {
        last = { ticks: ticks(), at: Date.now() };
        resolve(`ws://127.0.0.1:${m[1]}/connection/websocket`);
      }
    });
    child.once('exit', (code) => reject(new Error(`centrifuge peer exited with ${code}`)));
  });
  return {
    url,
    stop: () => {
      clearInterval(timer);
      child.kill('SIGTERM');
      return new Promise((r) => child.once('exit', r));
    },
  };
}

// --- the Kafka hop alone: a plain consumer of the same lanes -------------------------------
const hopBuckets = new Uint32Array(100_001);
let hopMeasuring = false;
const hopConsumer = new BusConsumer({
  connection,
  groupId: `bench-gw-hop-${run}`,
  topics: Object.values(lanes),
  clientId: `bench-gw-hop-${run}`,
  batchSize: 500,
  consumeTimeoutMs: 5,
  idleSleepMs: 0,
  isolationLevel: 'read_committed',
  autoOffsetReset: 'latest',
  librdkafka: { 'enable.partition.eof': true },
  onBatch: (messages) => {
    if (!hopMeasuring) return;
    const now = Date.now();
    for (const m of messages) {
      if (m.timestamp === undefined) continue;
      hopBuckets[Math.min(100_000, Math.max(0, Math.round((now - m.timestamp) * 10)))]++;
    }
  },
});
await hopConsumer.connect();
hopConsumer.start();
while (hopConsumer.assignment().length < 16) await new Promise((r) => setTimeout(r, 200));

// --- the clients ----------------------------------------------------------------------------
const per = Math.ceil(N / PROCS);
const clients = Array.from({ length: PROCS }, (_, k) =>
  fork(
    join(
      root,
      PEER === 'centrifuge' ? 'bench/load/centrifuge-clients.mjs' : 'bench/gateway-load-clients.mjs',
    ),
    [],
    {
      env: {
        ...process.env,
        LOAD_CLIENTS: JSON.stringify({
          url,
          count: Math.min(per, N - k * per),
          offset: k * per,
          symbols: SYMBOLS,
          concurrency: Math.ceil(Number(args.concurrency) / PROCS),
          ...auth,
        }),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  ),
);
const heapBefore = stats.heapUsed;
const connected = await Promise.all(
  clients.map(
    (c) =>
      new Promise((resolve) =>
        c.on('message', (m) => (m.kind === 'connected' ? resolve(m) : m.kind === 'log' && log(m.message))),
      ),
  ),
);
const connectMs = Math.max(...connected.map((c) => c.ms));
const open = connected.reduce((n, c) => n + c.connected, 0);
log(
  `${open}/${N} connected and subscribed in ${connectMs} ms (${connected.reduce((n, c) => n + c.failed, 0)} failed)`,
);
await new Promise((r) => setTimeout(r, 2000));
const heapConnected = stats.heapUsed;

// --- load -----------------------------------------------------------------------------------
let produced = 0;
let running = true;
/** Open-loop: sends are not awaited one by one, only bounded (the rate must not depend on acks). */
async function produce() {
  const tickMs = 10;
  const inflight = new Set();
  let carry = 0;
  let last = Date.now();
  for (let i = 0; running; ) {
    const t0 = Date.now();
    // By elapsed time, so a late timer does not lower the rate.
    carry += (RATE * (t0 - last)) / 1000;
    last = t0;
    for (; carry >= 1; carry--, i++) {
      const p =
        i % 10 === 9
          ? publish('ORDER_FILLED', { payload: { accountId: `ACC-${i % N}` } })
          : publish('PRICE_UPDATE', { header: { symbol: `SYM${i % SYMBOLS}` } });
      inflight.add(p);
      void p.then(() => {
        inflight.delete(p);
        produced++;
      });
    }
    while (inflight.size > 20_000) await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setTimeout(r, Math.max(0, tickMs - (Date.now() - t0))));
  }
  await Promise.all(inflight);
}
const producing = produce();
await new Promise((r) => setTimeout(r, 3000)); // warm-up
peak = { heapUsed: 0, rss: 0 };
cpuSamples = [];
loopSamples = [];
const producedAtStart = produced;
const windowStart = Date.now();
for (const c of clients) c.send({ kind: 'start' });
hopMeasuring = true;
await new Promise((r) => setTimeout(r, DURATION * 1000));
const results = await Promise.all(
  clients.map((c) => {
    const p = new Promise((resolve) => c.on('message', (m) => m.kind === 'result' && resolve(m)));
    c.send({ kind: 'stop' });
    return p;
  }),
);
const windowMs = Date.now() - windowStart;
hopMeasuring = false;
const gatewayCpu = Math.round(cpuSamples.reduce((a, b) => a + b, 0) / Math.max(1, cpuSamples.length));
const producedInWindow = produced - producedAtStart;
running = false;
await producing;

// --- report ---------------------------------------------------------------------------------
const buckets = new Array(100_001).fill(0);
for (const r of results) {
  for (let i = 0; i < r.buckets.length; i++) buckets[i] += r.buckets[i];
}
const delivered = results.reduce((n, r) => n + r.deliveries, 0);
const quantileOf = (histogram) => (q) => {
  const total = histogram.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i];
    if (seen >= q * total) return i / 10;
  }
  return Number.NaN;
};
const quantile = quantileOf(buckets);
const hopQuantile = quantileOf(hopBuckets);
const report = {
  server: PEER === 'centrifuge' ? 'centrifuge peer (Go)' : 'TMBus gateway',
  connections: { requested: N, open, connectMs, clientProcesses: PROCS },
  load: { eventsPerSecond: RATE, symbols: SYMBOLS, durationMs: windowMs, producedInWindow },
  deliveries: {
    total: delivered,
    perSecond: Math.round((delivered / windowMs) * 1000),
    perMinute: Math.round((delivered / windowMs) * 60_000),
  },
  latencyMs: { p50: quantile(0.5), p99: quantile(0.99), p999: quantile(0.999), max: quantile(1) },
  // Create time → a plain consumer of the lanes: the Kafka hop inside latencyMs.
  kafkaHopMs: {
    p50: hopQuantile(0.5),
    p99: hopQuantile(0.99),
    p999: hopQuantile(0.999),
    max: hopQuantile(1),
    records: hopBuckets.reduce((a, b) => a + b, 0),
  },
  // CPU time of the server process per delivery, over the measurement window.
  serverCpuMicrosPerDelivery: Math.round(((gatewayCpu / 100) * windowMs * 1000) / Math.max(1, delivered)),
  gatewayHeap: {
    idle: mb(heapBefore),
    connected: mb(heapConnected),
    peakDuringLoad: mb(peak.heapUsed),
    peakRss: mb(peak.rss),
    maxOldSpace: '2048 MB',
  },
  cpuPercentOfOneCore: {
    gateway: gatewayCpu,
    clientProcesses: results.map((r) => r.cpuPercent),
    machineCores: cpus().length,
  },
  gatewayEventLoopDelayMs: {
    p99OfSeconds: Math.max(0, ...loopSamples.map((l) => Math.round(l.p99))),
    max: Math.max(0, ...loopSamples.map((l) => Math.round(l.max))),
    // p99 of each second of the window, in order.
    p99PerSecond: loopSamples.map((l) => Math.round(l.p99)),
  },
  gatewayBroadcastLagMs: {
    p50: stats.metrics?.broadcastLagMs.HIGH.p50,
    p99: stats.metrics?.broadcastLagMs.HIGH.p99,
  },
  gatewayMetrics: stats.metrics,
};
console.log(JSON.stringify(report, null, 2));
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, `bench/results/gateway-load-${run}.json`), JSON.stringify(report, null, 2));

for (const c of clients) c.send({ kind: 'exit' });
await server.stop();
await hopConsumer.close();
await producer.disconnect();
await topics.delete(Object.values(lanes));
process.exit(0);

function mb(bytes) {
  return `${Math.round(bytes / 1024 / 1024)} MB`;
}
