// Kafka's own perf tools — the ceiling of the benchmark: `ProducerPerformance` and
// `ConsumerPerformance` from the kafka-tools jars the services script fetched, run on the same
// broker with the same record size, their output parsed into events/s and MB/s.

import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface ProducerPerfResult {
  /** Figures after the warm-up records (`--warmup-records`), else over the whole run. */
  steadyState: boolean;
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
}

export interface ConsumerPerfResult {
  mb: number;
  records: number;
  /** Over the whole run, including the group join. */
  recordsPerSec: number;
  mbPerSec: number;
  rebalanceMs: number;
  fetchMs: number;
  /** Over the fetch time only (the group join excluded). */
  fetchRecordsPerSec: number;
  fetchMbPerSec: number;
}

const PRODUCER_SUMMARY =
  /(\d+) (steady state )?records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th/;

/**
 * The summary line of `ProducerPerformance` (progress lines carry no percentiles): the steady-state
 * one when the run had warm-up records, else the overall one.
 */
export function parseProducerPerformance(output: string): ProducerPerfResult {
  const summaries = output.split('\n').filter((l) => PRODUCER_SUMMARY.test(l));
  const line = summaries.find((l) => l.includes('steady state')) ?? summaries.at(-1);
  const m = line?.match(PRODUCER_SUMMARY);
  if (!m) throw new Error(`no ProducerPerformance summary in output:\n${output.slice(-2000)}`);
  const n = [m[1], ...m.slice(3)].map(Number);
  return {
    steadyState: m[2] !== undefined,
    records: n[0]!,
    recordsPerSec: n[1]!,
    mbPerSec: n[2]!,
    avgLatencyMs: n[3]!,
    maxLatencyMs: n[4]!,
    p50Ms: n[5]!,
    p95Ms: n[6]!,
    p99Ms: n[7]!,
    p999Ms: n[8]!,
  };
}

/** The CSV-ish result of `ConsumerPerformance`: a header line naming the columns, then values. */
export function parseConsumerPerformance(output: string): ConsumerPerfResult {
  const lines = output.split('\n').map((l) => l.trim());
  const h = lines.findIndex((l) => l.startsWith('start.time,'));
  const values = lines
    .slice(h + 1)
    .find((l) => l.length > 0)
    ?.split(',')
    .map((v) => v.trim());
  if (h < 0 || !values) throw new Error(`no ConsumerPerformance result in output:\n${output.slice(-2000)}`);
  const names = lines[h]!.split(',').map((v) => v.trim());
  const col = (name: string) => {
    const i = names.indexOf(name);
    const v = Number(values[i]);
    if (i < 0 || !Number.isFinite(v))
      throw new Error(`ConsumerPerformance column ${name} missing or not a number`);
    return v;
  };
  return {
    mb: col('data.consumed.in.MB'),
    records: col('data.consumed.in.nMsg'),
    recordsPerSec: col('nMsg.sec'),
    mbPerSec: col('MB.sec'),
    rebalanceMs: col('rebalance.time.ms'),
    fetchMs: col('fetch.time.ms'),
    fetchRecordsPerSec: col('fetch.nMsg.sec'),
    fetchMbPerSec: col('fetch.MB.sec'),
  };
}

/** Where the Kafka jars are: `$TMBUS_CACHE/kafka-<version>/libs` (newest version found). */
export function kafkaLibs(env: NodeJS.ProcessEnv = process.env): { dir: string; version: string } {
  const cache = env.TMBUS_CACHE ?? join(homedir(), '.cache/tmbus');
  const dirs = readdirSync(cache)
    .filter((d) => /^kafka-\d+\.\d+\.\d+$/.test(d))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const latest = dirs.at(-1);
  if (!latest) throw new Error(`no kafka-<version> in ${cache}: run scripts/services/services.sh fetch`);
  return { dir: join(cache, latest, 'libs'), version: latest.slice('kafka-'.length) };
}

/** Runs a Kafka tool class with the jars on the class path; resolves with stdout+stderr. */
export function runKafkaTool(mainClass: string, args: string[], timeoutMs = 300_000): Promise<string> {
  const { dir } = kafkaLibs();
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-Xmx512m', '-cp', `${dir}/*`, mainClass, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${mainClass} exited ${code}:\n${out.slice(-2000)}`));
    });
  });
}

export interface CeilingOptions {
  brokers: string;
  topic: string;
  records: number;
  recordSize: number;
  /** Producer and consumer client properties (compression, acks, linger, isolation level…). */
  producerProps: Record<string, string | number>;
  consumerProps?: Record<string, string | number>;
  /** Transactional producer committing every this many ms (the exactly-once ceiling). */
  transactionMs?: number;
}

const props = (p: Record<string, string | number>) => Object.entries(p).map(([k, v]) => `${k}=${v}`);

export async function producerPerformance(o: CeilingOptions): Promise<ProducerPerfResult> {
  const out = await runKafkaTool('org.apache.kafka.tools.ProducerPerformance', [
    '--bootstrap-server',
    o.brokers,
    '--topic',
    o.topic,
    '--num-records',
    String(o.records),
    '--record-size',
    String(o.recordSize),
    '--throughput',
    '-1',
    // The JVM warms up on the first quarter; the figures are the steady state after it.
    '--warmup-records',
    String(Math.floor(o.records / 4)),
    ...(o.transactionMs ? ['--transaction-duration-ms', String(o.transactionMs)] : []),
    '--command-property',
    ...props(o.producerProps),
  ]);
  return parseProducerPerformance(out);
}

export async function consumerPerformance(o: CeilingOptions): Promise<ConsumerPerfResult> {
  const out = await runKafkaTool('org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server',
    o.brokers,
    '--topic',
    o.topic,
    '--num-records',
    String(o.records),
    '--timeout',
    '30000',
    '--group',
    `${o.topic}-perf`,
    // jopt-simple takes one property per flag (argparse4j above takes many).
    ...props(o.consumerProps ?? {}).flatMap((p) => ['--command-property', p]),
  ]);
  return parseConsumerPerformance(out);
}

/** Deletes consumer groups the benchmark created (they must be empty: their members stopped). */
export async function deleteConsumerGroups(brokers: string, groups: readonly string[]): Promise<void> {
  if (groups.length === 0) return;
  await runKafkaTool(
    'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
    ['--bootstrap-server', brokers, '--delete', ...groups.flatMap((g) => ['--group', g])],
    60_000,
  ).catch(() => undefined); // a group that never committed does not exist: nothing to clean
}
