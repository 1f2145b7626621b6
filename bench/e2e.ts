// The end-to-end benchmark (issue 17, SPEC §7 "p99 end-to-end latency per lane, while background
// load runs"): services publish with `EventPublisher` → the example topologies (lane router, market
// prices, risk, portfolio) on the real runtime → the priority lanes → a real gateway process →
// Socket.IO clients, all on the live Kafka, schema registry and Redis, each in its own process.
// Per lane it reports client receive − publisher send (p50 / p99 / p99.9) against SPEC §3's budget,
// the hops publish → lane (broker append time on the lane) and lane → client, and losses at each.
//
//   node --import tsx bench/e2e.ts [--rate 10000] [--seconds 20] [--warmup 5] [--clients 100]
//        [--symbols 200] [--accounts 20] [--partitions 4] [--client-procs 1] [--runtime per-app|one]
//        [--drain 60]
//
// Writes bench/results/e2e-<time>.json and prints the Markdown table. See bench/README.md.

import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectionConfigFromEnv } from '../core/config.js';
import { APPLICATIONS, type ApplicationName, allTopics } from '../examples/topics.js';
import { demoSerdes } from '../examples/topologies/index.js';
import { changelogTopic, domainTopic, TopicManager } from '../runtime/kafka/topics.js';
import { PRIORITIES } from '../schemas/catalog.js';
import { createEventSerde, HttpSchemaRegistry } from '../schemas/index.js';
import { analyse } from './e2e/analysis.js';
import { LaneProbe } from './e2e/lane-probe.js';
import {
  type E2eSetup,
  expectedRecords,
  type SentEvent,
  subscribersByChannel,
  topicsOf,
} from './e2e/plan.js';
import {
  listenerPid,
  type Message,
  machineCpu,
  next,
  processJiffies,
  RunProcesses,
  sleep,
  tell,
} from './e2e/processes.js';
import { markdownTable, verdicts } from './e2e/report.js';
import { BENCH_DIR } from './lib/processes.js';
import { deleteSubjects } from './lib/registry-cleanup.js';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    clients: { type: 'string', default: '100' },
    symbols: { type: 'string', default: '200' },
    accounts: { type: 'string', default: '20' },
    partitions: { type: 'string', default: '4' },
    'client-procs': { type: 'string', default: '1' },
    runtime: { type: 'string', default: 'per-app' },
    drain: { type: 'string', default: '60' },
  },
});
const int = (name: keyof typeof args, min: number) => {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < min)
    throw new Error(`--${name} must be an integer ≥ ${min} (got ${args[name]})`);
  return v;
};
if (args.runtime !== 'per-app' && args.runtime !== 'one')
  throw new Error(`--runtime must be per-app or one (got ${args.runtime})`);

const log = (m: string) => console.error(`[e2e ${new Date().toISOString().slice(11, 19)}] ${m}`);
const uptime = () => execFileSync('uptime').toString().trim();
const run = Date.now().toString(36);
const connection = connectionConfigFromEnv({
  TMBUS_KAFKA_BROKERS: '127.0.0.1:19092',
  TMBUS_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
  TMBUS_REDIS_URL: 'redis://127.0.0.1:16379',
  ...process.env,
});
const setup: E2eSetup = {
  run,
  prefix: `e2e-${run}.`,
  connection,
  rate: int('rate', 1),
  seconds: int('seconds', 1),
  warmupSeconds: int('warmup', 1),
  clients: int('clients', 1),
  symbols: int('symbols', 1),
  accounts: int('accounts', 2),
  partitions: int('partitions', 1),
  auth: {
    secret: `e2e-secret-${run}-0123456789abcdef0123456789abcdef`,
    issuer: 'https://e2e.bench.idp',
    audience: 'e2e-bench',
  },
};
const topics = topicsOf(setup);
const loadAtStart = uptime();
log(
  `run ${run}: ${setup.rate} events/s for ${setup.warmupSeconds}+${setup.seconds} s, ${setup.clients} clients; ${loadAtStart}`,
);

// --- processes --------------------------------------------------------------------------------
const processes = new RunProcesses(setup, log);
const start = processes.start.bind(processes);
const { failures } = processes;

/** "label: CRITICAL p50 / p99 …" from per-lane summaries, when there are any. */
function hopLine(label: string, byLane: unknown): string {
  const lanes = (byLane ?? {}) as Record<string, { p50?: number; p99?: number } | undefined>;
  const parts = PRIORITIES.filter((p) => typeof lanes[p]?.p99 === 'number').map(
    (p) => `${p} ${lanes[p]!.p50} / ${lanes[p]!.p99}`,
  );
  return parts.length === 0 ? '' : `${label}, p50 / p99 ms: ${parts.join(', ')}.`;
}

const internalTopics: string[] = [];
const gatewayGroup = `${setup.prefix}gateway`;
const probe = new LaneProbe(connection.kafka.brokers, topics, setup.partitions);
const admin = new TopicManager(connection);
let exitCode = 0;
try {
  // Lanes record the broker's append time, so a lane record's timestamp says when it landed.
  await admin.ensure(
    allTopics(topics).map((name) =>
      name === topics.prices
        ? changelogTopic(name, setup.partitions)
        : (Object.values(topics.lanes) as string[]).includes(name)
          ? { name, partitions: setup.partitions, config: { 'message.timestamp.type': 'LogAppendTime' } }
          : domainTopic(name, setup.partitions),
    ),
  );

  // Subjects registered once, here: processes registering the same new subject at once race on
  // its compatibility rule (the registry answers 409 to the second PUT /config).
  const registry = new HttpSchemaRegistry({ url: connection.registry.url });
  await demoSerdes(registry, topics);
  for (const p of PRIORITIES) await createEventSerde(registry, { topic: topics.lanes[p] });

  const apps: ApplicationName[] = ['laneRouter', 'marketPrices', 'risk', 'portfolio'];
  const groups = args.runtime === 'one' ? [apps] : apps.map((a) => [a]);
  const runtimes = groups.map((g) => ({
    apps: g,
    child: start(g.map((a) => APPLICATIONS[a]).join('+'), 'e2e/runtime-app.ts', { E2E_APPS: g.join(',') }),
  }));
  const runtimeCpu = new Map<string, number[]>(runtimes.map((r) => [r.apps.join('+'), []]));
  let measuring = false;
  for (const r of runtimes) {
    r.child.on('message', (m: Message) => {
      if (m.kind === 'stats' && measuring) runtimeCpu.get(r.apps.join('+'))!.push(m.cpuPercent as number);
    });
  }
  const readies = await Promise.all(runtimes.map((r) => next(r.child, 'ready')));
  for (const m of readies) internalTopics.push(...(m.internalTopics as string[]));
  log(`runtime ready: ${groups.map((g) => g.map((a) => APPLICATIONS[a]).join('+')).join(', ')}`);

  const gatewayConfig = {
    instanceId: `e2e-gw-${run}`,
    connection: { ...connection, redis: { url: connection.redis?.url ?? 'redis://127.0.0.1:16379' } },
    server: { host: '127.0.0.1', port: 0 },
    lanes: { topics: topics.lanes, groupId: gatewayGroup, startFrom: 'latest' },
    redis: { keyPrefix: `e2e-gw-${run}:`, channelPrefix: `e2e-gw-${run}` },
    auth: { jwt: setup.auth },
    connections: { maxPerUser: 1000 },
  };
  const gateway = start(
    'gateway',
    'gateway-load-server.ts',
    { GATEWAY_CONFIG: JSON.stringify(gatewayConfig) },
    // E2E_GATEWAY_NODE_ARGS adds Node options to the gateway (e.g. --cpu-prof --cpu-prof-dir=DIR).
    ['--max-old-space-size=2048', ...(process.env.E2E_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean)],
  );
  type GatewayStats = {
    cpuPercent: number;
    partitions: number;
    heapUsed: number;
    rss: number;
    loopDelayMs: { p99: number; max: number };
    metrics?: Record<string, unknown>;
  };
  let gatewayStats: GatewayStats | undefined;
  const gatewayWindow: GatewayStats[] = [];
  gateway.on('message', (m: Message) => {
    if (m.kind !== 'stats') return;
    gatewayStats = m as unknown as GatewayStats;
    if (measuring) gatewayWindow.push(gatewayStats);
  });
  const { url } = (await next(gateway, 'ready')) as unknown as { url: string };
  while ((gatewayStats?.partitions ?? 0) < PRIORITIES.length * setup.partitions) await sleep(200);
  log(`gateway ${url} owns every lane partition`);

  await probe.start();

  const procs = Math.max(1, Math.min(setup.clients, int('client-procs', 1)));
  const per = Math.ceil(setup.clients / procs);
  const clientProcs = Array.from({ length: procs }, (_, k) =>
    start(`clients-${k}`, 'e2e/clients.ts', {
      E2E_CLIENTS: JSON.stringify({
        url,
        from: k * per,
        to: Math.min(setup.clients, (k + 1) * per),
        procIndex: k,
      }),
    }),
  );
  const deliveriesSoFar = new Map<ChildProcess, number>();
  for (const c of clientProcs)
    c.on('message', (m: Message) => m.kind === 'progress' && deliveriesSoFar.set(c, m.deliveries as number));
  const connected = await Promise.all(clientProcs.map((c) => next(c, 'connected', 300_000)));
  const refused = connected.reduce((n, c) => n + (c.refused as number), 0);
  const open = connected.reduce((n, c) => n + (c.connected as number), 0);
  log(`${open}/${setup.clients} clients connected and subscribed (${refused} subscriptions refused)`);
  if (refused > 0) log(`refusals: ${connected.flatMap((c) => c.refusals as string[]).join('; ')}`);

  const publisher = start('publisher', 'e2e/publisher.ts', {});
  await next(publisher, 'ready');
  const done = next(publisher, 'done', (setup.warmupSeconds + setup.seconds) * 1000 + 300_000);
  tell(publisher, { kind: 'go' });
  log(`publishing: ${setup.warmupSeconds} s warm-up, then ${setup.seconds} s measured`);
  await sleep(setup.warmupSeconds * 1000);
  measuring = true;
  const cpuAtWindow = machineCpu();
  const brokerPid = listenerPid(Number(connection.kafka.brokers.split(',')[0]!.split(':').at(-1)));
  const brokerAtWindow = processJiffies(brokerPid);
  const selfAtWindow = process.cpuUsage();
  for (const r of runtimes) tell(r.child, { kind: 'reset' });
  for (const c of clientProcs) tell(c, { kind: 'reset' });
  const windowStartedAt = Date.now();
  await sleep(setup.seconds * 1000);
  measuring = false;
  const cpuAfterWindow = machineCpu();
  const brokerAfterWindow = processJiffies(brokerPid);
  const cpuWindowSeconds = (Date.now() - windowStartedAt) / 1000;
  const selfUsed = process.cpuUsage(selfAtWindow);
  // This process: the lane probe and the bookkeeping.
  const probeCpu = Math.round((selfUsed.user + selfUsed.system) / 1e4 / cpuWindowSeconds);
  const published = await done;
  // The broker's share of one core over the window (a broker on another machine: not measured).
  const brokerCpu =
    brokerAtWindow === undefined || brokerAfterWindow === undefined
      ? undefined
      : Math.round((brokerAfterWindow - brokerAtWindow) / cpuWindowSeconds);
  const cores = cpus().length;
  // Share of the machine's cores busy in the window, in % of one core (200 = both cores of 2).
  const machineBusy = Math.round(
    ((cpuAfterWindow.busy - cpuAtWindow.busy) / (cpuAfterWindow.total - cpuAtWindow.total)) * cores * 100,
  );
  const windowMs = (published.windowEnd as number) - (published.windowStart as number);
  const sent = JSON.parse(readFileSync(published.file as string, 'utf8')) as SentEvent[];
  rmSync(published.file as string, { force: true });
  const expected = expectedRecords(sent);
  const required = [...expected.values()].filter((r) => r.required);
  log(
    `published ${sent.length} events in the window (${Math.round((sent.length / windowMs) * 1000)}/s), ${published.failed} failed; draining…`,
  );

  // Drain: until every required record is on a lane and nothing moved (no new lane record, no new
  // delivery) for 2.5 s — or for 10 s while records are still missing — or --drain s in all.
  const drainUntil = Date.now() + int('drain', 1) * 1000;
  let progress = '';
  let stableSince = Date.now();
  while (Date.now() < drainUntil) {
    await sleep(500);
    const now = `${probe.count}/${[...deliveriesSoFar.values()].reduce((a, b) => a + b, 0)}`;
    if (now !== progress) {
      progress = now;
      stableSince = Date.now();
    }
    const onLane = probe.ids();
    const missing = required.filter((r) => !onLane.has(r.id)).length;
    if (Date.now() - stableSince >= (missing === 0 ? 2_500 : 10_000)) break;
  }
  const uptimeAtEnd = uptime();

  const runtimeSummaries = await Promise.all(
    runtimes.map(async (r) => {
      const s = next(r.child, 'summary', 30_000).catch(() => ({ kind: 'gone' }) as Message);
      tell(r.child, { kind: 'summary' });
      const m = await s;
      const cpu = runtimeCpu.get(r.apps.join('+'))!;
      return {
        applications: r.apps.map((a) => APPLICATIONS[a]),
        cpuPercentOfOneCore: Math.round(cpu.reduce((a, b) => a + b, 0) / Math.max(1, cpu.length)),
        recordsProcessed: m.processed,
        queueAndProcessMsByInputLane: m.lanes,
      };
    }),
  );
  const clientResults = await Promise.all(
    clientProcs.map(async (c) => {
      const r = next(c, 'result', 60_000);
      tell(c, { kind: 'stop' });
      return r;
    }),
  );
  const deliveries = clientResults.map((r) => {
    const buf = readFileSync(r.file as string);
    rmSync(r.file as string, { force: true });
    return new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
  });

  const result = analyse({
    expected,
    laneRecords: probe.byPosition.values(),
    deliveries,
    subscribers: subscribersByChannel(setup),
  });
  const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
  const gatewayMetrics = gatewayStats?.metrics as { broadcastLagMs?: Record<string, unknown> } | undefined;
  const context = {
    offeredRate: setup.rate,
    publishedRate: Math.round((sent.length / windowMs) * 1000),
    publisher: {
      failed: published.failed,
      firstError: published.firstError,
      behindAtEnd: published.behindAtEnd,
      cpuPercentOfOneCore: published.cpuPercent,
      // Per lane of the input: send → broker acknowledgement (the first Kafka hop of publish→lane).
      produceToAckMs: published.ackMs,
    },
    failures,
    runtime: runtimeSummaries,
    gateway: {
      cpuPercentOfOneCore: mean(gatewayWindow.map((s) => s.cpuPercent)),
      eventLoopDelayMs: {
        p99OfSeconds: Math.max(0, ...gatewayWindow.map((s) => Math.round(s.loopDelayMs.p99))),
        max: Math.max(0, ...gatewayWindow.map((s) => Math.round(s.loopDelayMs.max))),
      },
      heapPeakMiB: Math.round(Math.max(0, ...gatewayWindow.map((s) => s.heapUsed)) / 2 ** 20),
      rssPeakMiB: Math.round(Math.max(0, ...gatewayWindow.map((s) => s.rss)) / 2 ** 20),
      // The gateway's own histogram: event header timestamp → broadcast, per lane (whole run).
      broadcastLagMs: gatewayMetrics?.broadcastLagMs,
      metrics: gatewayStats?.metrics,
    },
    clients: {
      connected: open,
      subscriptionsRefused: refused,
      processes: procs,
      cpuPercentOfOneCore: clientResults.map((r) => Math.round((r.cpuMicros as number) / 10 / windowMs)),
    },
    machine: { cores, busyPercentOfOneCore: machineBusy, brokerCpuPercentOfOneCore: brokerCpu },
    laneProbeCpuPercentOfOneCore: probeCpu,
    laneRecordsSeen: probe.count,
    unexpectedLaneRecords: result.unexpectedLaneRecords,
    unmatchedDeliveries: result.unmatchedDeliveries,
  };
  // Market updates the gateway conflated (allowed, and only for market data): see verdicts().
  const conflated = Number(gatewayStats?.metrics?.conflated ?? 0);
  const command = `node --import tsx bench/e2e.ts ${process.argv.slice(2).join(' ')}`.trim();
  const markdown = [
    `## End to end per lane — ${new Date().toISOString()}`,
    '',
    `\`${command}\`: ${setup.rate} events/s offered (${context.publishedRate}/s published in the ${Math.round(windowMs / 1000)} s window` +
      `${Number(published.behindAtEnd) > 0 ? `, the publisher ${published.behindAtEnd} events behind its schedule` : ''}), ` +
      `${open} clients, ${setup.symbols} symbols, ${setup.accounts} accounts, ${setup.partitions} partitions, runtime ${args.runtime}.`,
    `Load: start \`${loadAtStart}\`, end \`${uptimeAtEnd}\`.`,
    '',
    markdownTable(result),
    '',
    ...verdicts(result, conflated),
    '',
    `CPU (% of one core, window mean): publisher ${published.cpuPercent}, ` +
      runtimeSummaries.map((r) => `${r.applications.join('+')} ${r.cpuPercentOfOneCore}`).join(', ') +
      `, gateway ${context.gateway.cpuPercentOfOneCore}, clients ${context.clients.cpuPercentOfOneCore.join('+')}` +
      `, lane probe ${probeCpu}` +
      (brokerCpu === undefined ? '. ' : `, Kafka broker ${brokerCpu}. `) +
      `Gateway event-loop delay p99 ${context.gateway.eventLoopDelayMs.p99OfSeconds} ms (max ${context.gateway.eventLoopDelayMs.max}). ` +
      `Machine: ${machineBusy}% of one core busy of ${cores * 100}% (every process, the broker and other work included).`,
    hopLine("Publisher send → ack of the input (its own Kafka hop), by the input's lane", published.ackMs),
    ...runtimeSummaries.map((r) =>
      hopLine(
        `Runtime ${r.applications.join('+')}: time in its lane queues + processing, by input lane (tables ride CRITICAL)`,
        r.queueAndProcessMsByInputLane,
      ),
    ),
    hopLine(
      'Gateway broadcast lag (its metric: event timestamp → emit, whole run)',
      gatewayMetrics?.broadcastLagMs,
    ),
    ...(failures.length > 0 ? ['', `**Failures during the run:** ${failures.join('; ')}`] : []),
    ...(brokerCpu !== undefined && brokerCpu < 2
      ? [
          '',
          `**The Kafka broker used ${brokerCpu}% of a core in the window: it was stalled, the figures say nothing about the bus.**`,
        ]
      : []),
  ].join('\n');
  console.log(markdown);
  const resultsDir = join(BENCH_DIR, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(resultsDir, `e2e-${stamp}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ command, setup: { ...setup, auth: undefined }, load: { start: loadAtStart, end: uptimeAtEnd, loadavg: loadavg() }, rows: result.rows, verdicts: verdicts(result, conflated), context }, null, 2)}\n`,
  );
  log(`wrote ${file}`);

  processes.stopping = true;
  for (const c of clientProcs) tell(c, { kind: 'exit' });
  tell(gateway, { kind: 'stop' });
  for (const r of runtimes) tell(r.child, { kind: 'stop' });
  await processes.exited(40_000);
} catch (e) {
  exitCode = 1;
  log(`failed: ${(e as Error).stack ?? e}`);
} finally {
  await probe.stop();
  processes.killAll();
  await admin
    .delete([...allTopics(topics), ...internalTopics, `${gatewayGroup}-dlq`])
    .catch((e: unknown) => log(`topic cleanup failed: ${e}`));
  await deleteSubjects(connection.registry.url, setup.prefix).catch(() => 0);
}
process.exit(exitCode);
