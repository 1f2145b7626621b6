// The two systems under test behind one interface: the TradeMaster runtime (a Node process running
// bench/sut/tmbus-runtime.ts) and the Kafka Streams peer (bench/peers/kafka-streams, built once
// with Maven and run as a JVM). Both read the same input topics and write the same output topics.

import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, drain, spawnTs, terminate, track, waitForLine } from '../lib/processes.js';
import { inputTopic, MIX, outputTopic } from '../runtime/mix.js';

export type SystemName = 'tmbus' | 'kafka-streams';
export type Guarantee = 'at_least_once' | 'exactly_once';

export interface RunningSystem {
  stop(): Promise<void>;
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

function running(child: ChildProcess, output: () => string): RunningSystem {
  return { stop: () => terminate(child), output };
}

export const tmbus: SystemUnderTest = {
  name: 'tmbus',
  label: 'TMBus runtime',
  async start({ run, guarantee, env, cpuProfileDir }) {
    if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });
    const child = spawnTs(
      'sut/tmbus-runtime.ts',
      [],
      { ...env, RUN: run, GUARANTEE: guarantee },
      {
        nodeArgs: cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [],
      },
    );
    const output = drain(child, 'tmbus');
    try {
      await waitForLine(child, 'READY', 120_000);
    } catch (e) {
      await terminate(child, 5000);
      throw new Error(`TMBus runtime did not start: ${(e as Error).message}\n${output()}`);
    }
    return running(child, output);
  },
};

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

export const kafkaStreams: SystemUnderTest = {
  name: 'kafka-streams',
  label: 'Kafka Streams (Java)',
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
    return running(child, output);
  },
};
