// `npm run bench:runtime [-- --quick]`: events/s and p50/p99/p999 end-to-end latency per priority
// lane through route → filter → transform with Avro decode/encode, at fixed offered rates (open
// loop, from a separate producer process) and at maximum (a preloaded backlog drained), for
// at-least-once and exactly-once. Writes bench/results/runtime-<time>.json and prints a table.

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { connectionConfigFromEnv } from '../../core/config.js';
import { type ProcessingGuarantee, StreamsRuntime } from '../../runtime/engine/streams-runtime.js';
import { domainTopic, TopicManager } from '../../runtime/kafka/topics.js';
import { PRIORITIES, type Priority } from '../../schemas/catalog.js';
import { HttpSchemaRegistry } from '../../schemas/index.js';
import { inputTopic, MIX, outputTopic } from './mix.js';
import { benchTopology } from './topology.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const env = {
  TMBUS_KAFKA_BROKERS: '127.0.0.1:19092',
  TMBUS_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
  ...process.env,
};
const connection = connectionConfigFromEnv({ ...env, TMBUS_REDIS_URL: undefined });
const registry = new HttpSchemaRegistry({ url: connection.registry.url });
const topics = new TopicManager(connection);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const rates: (number | 'max')[] = flag('--rates')
  ? flag('--rates')!
      .split(',')
      .map((r) => (r === 'max' ? 'max' : Number(r)))
  : quick
    ? [25_000, 'max']
    : [25_000, 50_000, 100_000, 'max'];
const seconds = Number(flag('--seconds') ?? (quick ? 8 : 20));
const burst = Number(flag('--burst') ?? (quick ? 200_000 : 500_000));
const guarantees = (flag('--guarantees')?.split(',') ?? [
  'at_least_once',
  'exactly_once',
]) as ProcessingGuarantee[];

interface Result {
  guarantee: ProcessingGuarantee;
  offered: number | 'max';
  events: number;
  eventsPerSecond: number;
  lanes: Record<string, { count: number; p50: number; p99: number; p999: number }>;
}

function loadProducer(run: string, rate: number, count: number): Promise<{ sent: number; rate: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'load-producer.ts')],
      {
        env: { ...env, RUN: run, RATE: String(rate), COUNT: String(count) },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)!))
        : reject(new Error(`load producer exited ${code}`)),
    );
  });
}

async function measure(guarantee: ProcessingGuarantee, offered: number | 'max'): Promise<Result> {
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
  const specs = MIX.flatMap(({ family }) => [
    domainTopic(inputTopic(run, family), family === 'MarketDataEvent' ? 6 : 3),
    domainTopic(outputTopic(run, family), family === 'MarketDataEvent' ? 6 : 3),
  ]);
  await topics.ensure(specs);
  const count = offered === 'max' ? burst : offered * seconds;
  const histograms = Object.fromEntries(
    PRIORITIES.map((p) => [
      p,
      hdr.build({
        lowestDiscernibleValue: 1,
        highestTrackableValue: 600_000,
        numberOfSignificantValueDigits: 3,
      }),
    ]),
  );
  const queueHist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000, numberOfSignificantValueDigits: 3 });
  let done = 0;
  let first = 0;
  let last = 0;
  if (offered === 'max') await loadProducer(run, 0, count); // the burst is in Kafka before we start
  const plan = await benchTopology(run, registry);
  const runtime = new StreamsRuntime({
    connection,
    plan,
    guarantee,
    commitIntervalMs: 100,
    onRecordDone: (lane: Priority, queueMs, e2eMs) => {
      queueHist.recordValue(Math.max(1, Math.round(queueMs)));
      const now = Date.now();
      if (done === 0) first = now;
      last = now;
      done++;
      histograms[lane]!.recordValue(Math.max(1, Math.round(e2eMs)));
    },
  });
  await runtime.start();
  const deadline = Date.now() + 10 * 60_000;
  while (!runtime.ready && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const load = offered === 'max' ? undefined : loadProducer(run, offered, count);
  while (done < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await load;
  await runtime.stop();
  await topics.delete([
    ...specs.map((s) => s.name),
    ...plan.internalTopics.map((t) => t.name),
    `${plan.applicationId}-dlq`,
  ]);
  process.stderr.write(`bench: time in the runtime (queued → outputs acknowledged) p50 ${queueHist.getValueAtPercentile(50)} ms, p99 ${queueHist.getValueAtPercentile(99)} ms\n`);
  const lanes: Result['lanes'] = {};
  for (const p of PRIORITIES) {
    const h = histograms[p]!;
    if (h.totalCount > 0)
      lanes[p] = {
        count: h.totalCount,
        p50: h.getValueAtPercentile(50),
        p99: h.getValueAtPercentile(99),
        p999: h.getValueAtPercentile(99.9),
      };
  }
  return {
    guarantee,
    offered,
    events: done,
    eventsPerSecond: Math.round(done / Math.max(0.001, (last - first) / 1000)),
    lanes,
  };
}

const results: Result[] = [];
for (const guarantee of guarantees) {
  for (const offered of rates) {
    process.stderr.write(
      `bench: ${guarantee} at ${offered === 'max' ? 'max (preloaded burst)' : `${offered} events/s`}…\n`,
    );
    results.push(await measure(guarantee, offered));
  }
}

const lines = [
  `Runtime benchmark — route → filter → transform, Avro decode+encode — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, broker on the same machine`,
  '',
  '| guarantee | offered | events | events/s | CRITICAL p50/p99/p999 ms | HIGH p50/p99/p999 ms | STANDARD p50/p99/p999 ms | BACKGROUND p50/p99/p999 ms |',
  '|---|---|---|---|---|---|---|---|',
  ...results.map((r) => {
    const lane = (p: Priority) =>
      r.lanes[p] ? `${r.lanes[p].p50} / ${r.lanes[p].p99} / ${r.lanes[p].p999}` : '–';
    return `| ${r.guarantee} | ${r.offered === 'max' ? 'max (burst)' : r.offered} | ${r.events} | ${r.eventsPerSecond} | ${lane('CRITICAL')} | ${lane('HIGH')} | ${lane('STANDARD')} | ${lane('BACKGROUND')} |`;
  }),
];
console.log(lines.join('\n'));
const dir = join(import.meta.dirname, '../results');
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, `runtime-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
  JSON.stringify({ machine: { cpus: cpus().length, memory: totalmem() }, results }, null, 2),
);
process.exit(0);
