// `npm run bench [-- --quick]`: the SPEC §7 benchmark, side by side in one run — the ceiling
// (Kafka's ProducerPerformance / ConsumerPerformance on the same broker and record size), our
// runtime, and a Kafka Streams application running the same topology (bench/peers/kafka-streams),
// both measured by the same external probe. Writes bench/results/bench-<time>.json and
// bench/results/latest.md, and prints the Markdown table.
//
// Options: --quick | --full (default full)  --only tmbus|kafka-streams  --guarantees a,b
//          --rates 10000,25000  --seconds S  --burst N  --profile
//          --no-ceiling  --no-isolation  --no-gateway

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectionConfigFromEnv } from '../core/config.js';
import { domainTopic, TopicManager } from '../runtime/kafka/topics.js';
import { InMemorySchemaRegistry } from '../schemas/index.js';
import { type CpuProfile, summarizeProfile } from './lib/cpu-profile.js';
import { averageEncodedSize, buildPool } from './lib/event-pool.js';
import { runGateway } from './lib/gateway.js';
import { codeVersion, describeMachine, loadAverages } from './lib/machine.js';
import {
  type CeilingOptions,
  consumerPerformance,
  deleteConsumerGroups,
  producerPerformance,
} from './lib/perf-tools.js';
import { BENCH_DIR } from './lib/processes.js';
import { renderReport } from './lib/report.js';
import type { BenchReport, CeilingReport, CeilingRun } from './lib/report-model.js';
import { FULL, measured, phasesFor, QUICK } from './lib/scenarios.js';
import { type PhaseResult, type PhaseSpec, runId, runSession } from './lib/session.js';
import { MIX } from './runtime/mix.js';
import {
  buildPeer,
  type Guarantee,
  kafkaStreams,
  kafkaStreamsTwoThreads,
  type SystemUnderTest,
  tmbus,
  tmbusTwoWorkers,
} from './sut/systems.js';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const base = quick ? QUICK : FULL;
const plan = {
  ...base,
  rates: flag('--rates')?.split(',').map(Number) ?? base.rates,
  seconds: Number(flag('--seconds') ?? base.seconds),
  burst: Number(flag('--burst') ?? base.burst),
};
const guarantees = (flag('--guarantees')?.split(',') ?? ['at_least_once', 'exactly_once']) as Guarantee[];
const only = flag('--only');
// --workers: also our runtime as two processes beside Kafka Streams with two stream threads.
const scaled = args.includes('--workers') ? [tmbusTwoWorkers, kafkaStreamsTwoThreads] : [];
const systems: SystemUnderTest[] = [tmbus, kafkaStreams, ...scaled].filter(
  (s) => !only || s.name === only || s.name.startsWith(`${only}-`),
);
const env: NodeJS.ProcessEnv = {
  TMBUS_KAFKA_BROKERS: '127.0.0.1:19092',
  TMBUS_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
  ...process.env,
};
const connection = connectionConfigFromEnv({ ...env, TMBUS_REDIS_URL: undefined });
const log = (s: string) => process.stderr.write(`${s}\n`);
const resultsDir = join(BENCH_DIR, 'results');
mkdirSync(resultsDir, { recursive: true });

const started = Date.now();
const stamp = new Date(started).toISOString().replace(/[:.]/g, '-');
const loadStart = loadAverages();
const machine = describeMachine();
const code = codeVersion();
const errors: string[] = [];
log(
  `bench: ${quick ? 'quick' : 'full'} run on ${machine.cores} × ${machine.cpuModel}; load average ${loadStart.join(' / ')}`,
);
if (loadStart[0] > machine.cores)
  log(`bench: warning: load average ${loadStart[0]} > ${machine.cores} cores: figures will be noisy`);

// ----------------------------------------------------------------------------------- ceiling
const ceilingTopics: string[] = [];
const ceilingGroups: string[] = [];

async function ceiling(): Promise<CeilingReport> {
  const pools = [];
  const registry = new InMemorySchemaRegistry({ defaultCompatibility: 'NONE' });
  for (const entry of MIX)
    pools.push({ share: entry.share, items: await buildPool(registry, 'size', entry) });
  const recordSize = averageEncodedSize(pools);
  const records = quick ? 300_000 : 1_000_000;
  // Throughput-oriented client settings: the ceiling is the best this broker does for this size.
  const producerProps = { acks: 'all', 'compression.type': 'lz4', 'linger.ms': 5, 'batch.size': 262_144 };
  const topics = new TopicManager(connection);
  const run = runId();
  const measure = async (transactional: boolean): Promise<CeilingRun> => {
    const topic = `bench-${run}-ceiling${transactional ? '-txn' : ''}`;
    await topics.ensure([domainTopic(topic, 6)]);
    const o: CeilingOptions = {
      brokers: connection.kafka.brokers,
      topic,
      records,
      recordSize,
      producerProps,
      consumerProps: transactional ? { 'isolation.level': 'read_committed' } : {},
      transactionMs: transactional ? 100 : undefined,
    };
    const result: CeilingRun = {};
    try {
      result.producer = await producerPerformance(o);
      result.consumer = await consumerPerformance(o);
    } catch (e) {
      result.error = (e as Error).message;
      errors.push(`ceiling${transactional ? ' (transactional)' : ''}: ${result.error}`);
    } finally {
      // Deleted after the pipelines have run: the broker removes a deleted topic's files
      // file.delete.delay.ms (60 s) later, in the middle of the first pipeline's phases (p99 at
      // 25,000/s 72–175 ms for whichever ran first, 10–13 ms without the ceiling before it).
      ceilingTopics.push(topic);
      ceilingGroups.push(`${topic}-perf`);
    }
    return result;
  };
  log(`bench: ceiling — ProducerPerformance/ConsumerPerformance, ${records} × ${recordSize} B…`);
  const plain = await measure(false);
  const transactional = guarantees.includes('exactly_once') ? await measure(true) : undefined;
  return { recordSize, records, producerProps, plain, transactional };
}

// -------------------------------------------------------------------------------- pipelines
const phases: PhaseResult[] = [];
let profileFile: string | undefined;
const profileDir = join(resultsDir, `profile-${stamp}`);

async function measureSystem(system: SystemUnderTest, guarantee: Guarantee): Promise<void> {
  const isolation = !args.includes('--no-isolation') && (guarantee === 'at_least_once' || !quick);
  let todo: PhaseSpec[] = phasesFor(plan, { rates: true, isolation, burst: true });
  const history: PhaseResult[] = [];
  const profile = args.includes('--profile') && system.name === 'tmbus' && guarantee === guarantees[0];
  for (let attempt = 0; todo.length > 0 && attempt < 4; attempt++) {
    log(`bench: ${system.label}, ${guarantee}${attempt > 0 ? ' (new session)' : ''}`);
    const session = await runSession(todo, {
      system,
      guarantee,
      connection,
      env,
      log,
      history,
      cpuProfileDir: profile && attempt === 0 ? profileDir : undefined,
    });
    history.push(...session.results);
    if (session.error) {
      errors.push(`${system.name} ${guarantee}: ${session.error}`);
      break;
    }
    todo = session.remaining.length
      ? [phasesFor(plan, { rates: false, isolation: false, burst: false })[0]!, ...session.remaining]
      : [];
  }
  phases.push(...measured(history));
}

const ceilingReport = args.includes('--no-ceiling') ? undefined : await ceiling();
if (systems.some((s) => s.name.startsWith('kafka-streams'))) buildPeer(log);
for (const guarantee of guarantees) for (const system of systems) await measureSystem(system, guarantee);
if (ceilingTopics.length > 0) {
  await new TopicManager(connection).delete(ceilingTopics);
  await deleteConsumerGroups(connection.kafka.brokers, ceilingGroups);
}
const gateway: BenchReport['gateway'] = args.includes('--no-gateway')
  ? { measured: false, reason: 'skipped (--no-gateway)' }
  : await runGateway({ quick, env, log });

let profile: BenchReport['profile'];
if (existsSync(profileDir)) {
  const file = readdirSync(profileDir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(profileDir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (file) {
    profileFile = file;
    const data = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    profile = summarizeProfile(data, file.slice(join(BENCH_DIR, '..').length + 1), join(BENCH_DIR, '..'));
  }
}

const report: BenchReport = {
  mode: quick ? 'quick' : 'full',
  startedAt: new Date(started).toISOString(),
  durationSeconds: (Date.now() - started) / 1000,
  machine,
  code,
  loadAverage: { start: loadStart, end: loadAverages() },
  config: {
    rates: plan.rates,
    seconds: plan.seconds,
    burst: plan.burst,
    criticalRate: plan.criticalRate,
    isolationSeconds: plan.isolationSeconds,
    guarantees,
    systems: systems.map((s) => s.name),
    peerThreads: 1,
  },
  ceiling: ceilingReport,
  phases,
  gateway,
  profile,
  errors,
};
const markdown = renderReport(report);
writeFileSync(join(resultsDir, `bench-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(resultsDir, 'latest.md'), `${markdown}\n`);
console.log(markdown);
if (profileFile) log(`bench: CPU profile of the runtime: ${profileFile}`);
log(`bench: wrote bench/results/bench-${stamp}.json and bench/results/latest.md`);
process.exit(0);
