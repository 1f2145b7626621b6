// The two systems under test behind one interface: the TradeMaster runtime (a Node process running
// bench/sut/tmbus-runtime.ts) and the Kafka Streams peer (bench/peers/kafka-streams, built once
// with Maven and run as a JVM). Both read the same input topics and write the same output topics.

import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, drain, spawnTs, terminate, track, waitForLine } from '../lib/processes.js';
import { inputTopic, MIX, outputTopic } from '../runtime/mix.js';

/** `-w2`: our runtime as two processes in one group; `-t2`: Kafka Streams with two stream threads. */
export type SystemName = 'tmbus' | 'kafka-streams' | 'tmbus-w2' | 'kafka-streams-t2';
export type Guarantee = 'at_least_once' | 'exactly_once';

export interface RunningSystem {
  stop(): Promise<void>;
  /** CPU time (user + system) its processes have used so far, s (from /proc/<pid>/stat). */
  cpuSeconds(): number;
  /** Last lines it printed (for error reports). */
  output(): string;
}

export interface StartOptions {
  run: string;
  guarantee: Guarantee;
  env: NodeJS.ProcessEnv;
  /** Directory for a V8 CPU profile of the run (ours only). */
  cpuProfileDir?: string;
}

export interface SystemUnderTest {
  name: SystemName;
  label: string;
  start(o: StartOptions): Promise<RunningSystem>;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** utime + stime of a process, s (0 once it is gone). */
export function processCpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // fields 14 and 15 of stat
  } catch {
    return 0;
  }
}

function running(children: ChildProcess[], output: () => string): RunningSystem {
  return {
    stop: async () => {
      await Promise.all(children.map((c) => terminate(c)));
    },
    cpuSeconds: () => children.reduce((sum, c) => sum + processCpuSeconds(c.pid), 0),
    output,
  };
}

/**
 * The Node options the runtime is deployed with (deploy/kubernetes/runtime-deployment.yaml): a
 * larger young generation, so records queued across a scavenge are not promoted and copied again.
 */
const RUNTIME_NODE_OPTIONS = ['--max-semi-space-size=64'];
/** More Node options for the runtime under test, for experiments (e.g. BENCH_NODE_ARGS=--trace-gc). */
const EXTRA_NODE_OPTIONS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** Our runtime as `workers` processes in one consumer group (what `tmbus run --workers` runs). */
function tmbusWith(workers: number): SystemUnderTest {
  return {
    name: workers === 1 ? 'tmbus' : (`tmbus-w${workers}` as SystemName),
    label: workers === 1 ? 'TMBus runtime' : `TMBus runtime, ${workers} workers`,
    async start({ run, guarantee, env, cpuProfileDir }) {
      if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });
      const children = Array.from({ length: workers }, (_, i) =>
        spawnTs(
          'sut/tmbus-runtime.ts',
          [],
          { ...env, RUN: run, GUARANTEE: guarantee, INSTANCE: `bench-${i}` },
          {
            nodeArgs: [
              ...RUNTIME_NODE_OPTIONS,
              ...EXTRA_NODE_OPTIONS,
              ...(cpuProfileDir && i === 0 ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : []),
            ],
          },
        ),
      );
      const outputs = children.map((c, i) => drain(c, `tmbus-${i}`));
      const output = () => outputs.map((o) => o()).join('\n');
      try {
        await Promise.all(children.map((c) => waitForLine(c, 'READY', 120_000)));
      } catch (e) {
        await Promise.all(children.map((c) => terminate(c, 5000)));
        throw new Error(`TMBus runtime did not start: ${(e as Error).message}\n${output()}`);
      }
      return running(children, output);
    },
  };
}

export const tmbus = tmbusWith(1);
export const tmbusTwoWorkers = tmbusWith(2);

const PEER_DIR = join(BENCH_DIR, 'peers/kafka-streams');
export const PEER_JAR = join(PEER_DIR, 'target/tmbus-streams-peer.jar');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the peer jar with Maven unless it is newer than its sources (Maven caches in ~/.m2). */
export function buildPeer(log: (s: string) => void): void {
  const sources = Math.max(newestSource(join(PEER_DIR, 'src')), statSync(join(PEER_DIR, 'pom.xml')).mtimeMs);
  if (existsSync(PEER_JAR) && statSync(PEER_JAR).mtimeMs >= sources) return;
  log('bench: building the Kafka Streams peer (mvn -q -B package)…');
  const repo = process.env.TMBUS_MAVEN_REPO ? [`-Dmaven.repo.local=${process.env.TMBUS_MAVEN_REPO}`] : [];
  execFileSync('mvn', ['-q', '-B', ...repo, 'package'], {
    cwd: PEER_DIR,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

function kafkaStreamsWith(threads: number): SystemUnderTest {
  return {
    name: threads === 1 ? 'kafka-streams' : (`kafka-streams-t${threads}` as SystemName),
    label: threads === 1 ? 'Kafka Streams (Java)' : `Kafka Streams (Java), ${threads} stream threads`,
    async start({ run, guarantee, env }) {
      const pairs = MIX.flatMap(({ family }) => [
        '--pair',
        `${family}=${inputTopic(run, family)}:${outputTopic(run, family)}`,
      ]);
      const child = track(
        'java',
        [
          '-Xms256m',
          '-Xmx1g',
          '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
          '-jar',
          PEER_JAR,
          '--bootstrap',
          env.TMBUS_KAFKA_BROKERS!,
          '--registry',
          env.TMBUS_REGISTRY_URL!,
          '--application-id',
          `bench-${run}-ks`,
          '--guarantee',
          guarantee === 'exactly_once' ? 'exactly_once_v2' : 'at_least_once',
          '--threads',
          String(threads),
          ...pairs,
        ],
        { env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const output = drain(child, 'kafka-streams');
      try {
        await waitForLine(child, 'READY', 120_000);
      } catch (e) {
        await terminate(child, 5000);
        throw new Error(`Kafka Streams peer did not start: ${(e as Error).message}\n${output()}`);
      }
      return running([child], output);
    },
  };
}

export const kafkaStreams = kafkaStreamsWith(1);
export const kafkaStreamsTwoThreads = kafkaStreamsWith(2);
