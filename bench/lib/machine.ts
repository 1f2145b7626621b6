// The machine a result was measured on, printed beside every table: figures from a 2-core laptop
// and a 32-core server are not comparable, nor are runs taken while other work loaded the box.

import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import Kafka from 'node-rdkafka';
import { kafkaLibs } from './perf-tools.js';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  java: string;
  kafka: string;
  librdkafka: string;
}

export function describeMachine(): MachineInfo {
  let java = 'unknown';
  try {
    // `java -version` prints on stderr.
    java = execFileSync('sh', ['-c', 'java -version 2>&1'], { encoding: 'utf8' }).split('\n')[0] ?? java;
  } catch {
    // no Java: reported as unknown
  }
  let kafka = 'unknown';
  try {
    kafka = kafkaLibs().version;
  } catch {
    // no local Kafka distribution: reported as unknown
  }
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `Linux ${release()}`,
    node: process.version,
    java: java.replace(/^openjdk version /, 'OpenJDK ').replace(/"/g, ''),
    kafka,
    librdkafka: Kafka.librdkafkaVersion,
  };
}

/** 1-, 5- and 15-minute load averages, rounded. */
export function loadAverages(): [number, number, number] {
  const [a, b, c] = loadavg();
  return [round(a!), round(b!), round(c!)];
}

const round = (x: number) => Math.round(x * 100) / 100;

/** The commit measured, and whether the code under test has uncommitted changes. */
export function codeVersion(): { commit: string; dirty: boolean } | undefined {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    const dirty =
      git('status', '--porcelain', '--', 'runtime', 'topology', 'processors', 'schemas', 'core').length > 0;
    return { commit, dirty };
  } catch {
    return undefined; // not a git checkout
  }
}
