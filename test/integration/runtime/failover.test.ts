// Faults the runtime must ride through without exiting. Long (minutes) and partly on the 3-node
// cluster (started here when it is not up, and stopped again), so they run only with
// TMBUS_FAULT_TESTS=1, not in `npm test` (the exactly-once broker kill still stalls about 1 run in 20:
// an exactly-once commit that never completes after the kill — see issue 13's note):
//   TMBUS_FAULT_TESTS=1 npx vitest run --project integration test/integration/runtime/failover.test.ts
// - one broker of the 3-node cluster SIGKILLed mid-stream: at-least-once loses nothing, exactly-once
//   shows neither a duplicate nor a loss to a read_committed reader, and the runtime process stays
//   up (a fenced or failed transaction is recovered in-process);
// - SIGKILL of an exactly-once runtime whose topology punctuates on wall-clock time (correlation
//   idle timeout): no event is lost or repeated across the emitted chains, and the store agrees.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, readFileSync, readlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionConfigFromEnv } from '../../../core/config.js';
import { BusProducer } from '../../../runtime/kafka/producer.js';
import { domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import { produceAll, readTopic, waitFor } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const enabled = process.env.TMBUS_FAULT_TESTS === '1';
const repo = join(import.meta.dirname, '../../..');
const CLUSTER = '127.0.0.1:29092,127.0.0.1:29102,127.0.0.1:29112';
const single = servicesConfig();
const cluster = connectionConfigFromEnv({
  TMBUS_KAFKA_BROKERS: CLUSTER,
  TMBUS_REGISTRY_URL: single.registry.url,
  TMBUS_REDIS_URL: single.redis?.url ?? 'redis://127.0.0.1:16379',
});
const children: ChildProcess[] = [];
const cleanup: { manager: TopicManager; topics: string[] }[] = [];

const services = join(repo, 'scripts/services/services.sh');
let startedCluster = false;

// The three-node cluster (ports 29092/29102/29112) runs beside the shared single broker; this file
// starts it when it is not up and stops it (the brokers only) when done.
beforeAll(() => {
  if (!enabled) return;
  try {
    execFileSync(services, ['status', '--brokers', '3'], { stdio: 'ignore' });
  } catch {
    execFileSync(services, ['up', '--brokers', '3'], { stdio: ['ignore', 'ignore', 'inherit'] });
    startedCluster = true;
  }
}, 180_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const { manager, topics } of cleanup) await manager.delete(topics).catch(() => undefined);
  if (startedCluster) execFileSync(services, ['down', 'kafka', '--brokers', '3'], { stdio: 'ignore' });
}, 120_000);

function launch(
  fixture: string,
  env: Record<string, string>,
): { child: ChildProcess; exited: () => string | undefined; log: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', fixture)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = `exited with code ${code} signal ${signal}`));
  // Read the log as it comes (an unread pipe would block the child) and keep the failover lines.
  const log: string[] = [];
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    // TMBUS_FAULT_LOG=<file> keeps the whole runtime log there, for a failure to be read afterwards.
    if (process.env.TMBUS_FAULT_LOG) appendFileSync(process.env.TMBUS_FAULT_LOG, chunk);
    for (const line of chunk.split('\n')) if (/transaction|recover/i.test(line)) log.push(line);
  });
  return { child, exited: () => exit, log };
}

const stateDir = () =>
  process.env.TMBUS_STATE ?? join(process.env.TMBUS_CACHE ?? join(homedir(), '.cache/tmbus'), 'state');
const brokerPid = (node: number) =>
  Number(readFileSync(join(stateDir(), `kafka-3/node-${node}/pid`), 'utf8').trim());

/** Node id of the transaction coordinator of `transactionalId` (Kafka's own TransactionsCommand). */
function transactionCoordinator(transactionalId: string): number {
  const pid = brokerPid(0);
  const java = readlinkSync(`/proc/${pid}/exe`);
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const classpath = args[args.indexOf('-cp') + 1]!;
  const out = execFileSync(
    java,
    [
      '-cp',
      classpath,
      'org.apache.kafka.tools.TransactionsCommand',
      '--bootstrap-server',
      CLUSTER,
      'describe',
      '--transactional-id',
      transactionalId,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const row = out.split('\n').find((l) => l.includes(transactionalId))!;
  return Number(row.trim().split(/\s+/)[0]);
}

describe.skipIf(!enabled)('failover (TMBUS_FAULT_TESTS=1)', () => {
  const TOTAL = 100_000;
  const KEYS = 50;

  async function brokerKilledMidStream(guarantee: 'at_least_once' | 'exactly_once') {
    const manager = new TopicManager(cluster);
    const APP = uniqueName(`failover-${guarantee === 'exactly_once' ? 'eos' : 'alos'}`);
    const SOURCE = uniqueName('in');
    const SINK = uniqueName('out');
    cleanup.push({ manager, topics: [SOURCE, SINK, `${APP}-counts-changelog`, `${APP}-dlq`] });
    await manager.ensure([domainTopic(SOURCE, 3, 3), domainTopic(SINK, 3, 3)]);
    await produceAll(
      cluster,
      Array.from({ length: TOTAL }, (_, i) => ({ topic: SOURCE, key: `k${i % KEYS}`, value: `v${i}` })),
    );
    const runtime = launch('counting-app.ts', {
      APP,
      SOURCE,
      SINK,
      GUARANTEE: guarantee,
      REPLICATION: '3',
      TMBUS_KAFKA_BROKERS: CLUSTER,
      TMBUS_LOG_LEVEL: 'info',
    });
    await waitFor(
      async () => {
        if (runtime.exited()) throw new Error(`runtime ${runtime.exited()}`);
        return (
          (await readTopic(cluster, SINK, 5000, { timeoutMs: 1000, isolation: 'read_uncommitted' })).length >=
          5000
        );
      },
      120_000,
      'the stream to be under way',
    );
    // Exactly-once: the transaction coordinator of the runtime's producer, the worst broker to lose.
    const victim = guarantee === 'exactly_once' ? transactionCoordinator(`${APP}-crash-test`) - 1 : 1;
    process.kill(brokerPid(victim), 'SIGKILL');
    const killedAt = Date.now();
    try {
      // At-least-once may repeat records: read until every input's output is there, not a count.
      const seen = new Set<string>();
      let scanned = 0;
      const everyInput = (records: readonly { value: Buffer }[]) => {
        for (; scanned < records.length; scanned++)
          seen.add(records[scanned]!.value.toString().split(':')[2]!);
        return seen.size >= TOTAL;
      };
      const out = await readTopic(cluster, SINK, TOTAL, {
        timeoutMs: 240_000,
        settleMs: 3000,
        complete: guarantee === 'at_least_once' ? everyInput : undefined,
      });
      expect(runtime.exited()).toBeUndefined();
      const recoveries = runtime.log.filter((l) => l.includes('recovered from a failed transaction'));
      console.log(
        `${guarantee}: broker ${victim + 1} killed; ${out.length} outputs read_committed ${Math.round((Date.now() - killedAt) / 1000)} s later; ` +
          `${recoveries.length} in-process recoveries`,
      );
      for (const line of runtime.log.slice(0, 6)) console.log(line.slice(0, 400));
      return out.map((r) => r.value.toString());
    } finally {
      runtime.child.kill('SIGTERM');
      await new Promise((r) => runtime.child.once('exit', r));
      // Bring the broker back for the next test (idempotent for the live ones).
      execFileSync(services, ['up', '--brokers', '3'], { stdio: 'ignore' });
    }
  }

  it('at-least-once: one broker SIGKILLed mid-stream loses nothing and the runtime stays up', async () => {
    const values = await brokerKilledMidStream('at_least_once');
    const seen = new Set(values.map((v) => v.split(':')[2]));
    const missing = Array.from({ length: TOTAL }, (_, i) => `v${i}`).filter((v) => !seen.has(v));
    expect(missing).toEqual([]);
  }, 420_000);

  it('exactly-once: one broker SIGKILLed mid-stream, no duplicate and no loss, and the runtime stays up', async () => {
    const values = await brokerKilledMidStream('exactly_once');
    const inputs = values.map((v) => v.split(':')[2]);
    expect(new Set(inputs).size).toBe(TOTAL);
    expect(inputs).toHaveLength(TOTAL);
    // Counts per key continue without gaps or repeats: the stores were rewound with the offsets.
    const countsByKey = new Map<string, number[]>();
    for (const v of values) {
      const [key, count] = v.split(':');
      countsByKey.set(key!, [...(countsByKey.get(key!) ?? []), Number(count)]);
    }
    for (const counts of countsByKey.values())
      expect([...counts].sort((a, b) => a - b)).toEqual(
        Array.from({ length: counts.length }, (_, i) => i + 1),
      );
  }, 420_000);

  it('exactly-once with wall-clock punctuation: SIGKILL of the runtime loses and repeats no event, and the store agrees', async () => {
    const manager = new TopicManager(single);
    const APP = uniqueName('punct-eos');
    const SOURCE = uniqueName('steps');
    const SINK = uniqueName('chains');
    const store = `${APP}-open-chains-changelog`;
    cleanup.push({ manager, topics: [SOURCE, SINK, store, `${APP}-dlq`] });
    await manager.ensure([domainTopic(SOURCE, 3), domainTopic(SINK, 3)]);
    const env = { APP, SOURCE, SINK };
    const producer = new BusProducer({ connection: single });
    await producer.connect();
    const WAVES = 150;
    const PER_WAVE = 30;
    const KILLS = 5;
    const total = WAVES * PER_WAVE;
    const STEPS = 4;
    // Waves of chains, 100 ms apart: chains close (by punctuation) all along, including around the
    // crashes; several crashes raise the odds that one lands right after a commit.
    let done = false;
    const produced = (async () => {
      for (let w = 0; w < WAVES; w++) {
        const records = [];
        for (let c = 0; c < PER_WAVE; c++)
          for (let n = 0; n < STEPS; n++) {
            const cid = `c${w * PER_WAVE + c}`;
            records.push({
              topic: SOURCE,
              key: Buffer.from(cid),
              value: Buffer.from(JSON.stringify({ cid, n })),
            });
          }
        await producer.sendAll(records);
        await new Promise((r) => setTimeout(r, 100));
      }
      done = true;
    })();
    let emitted = 0;
    let kills = 0;
    for (; kills < KILLS && !done; kills++) {
      const victim = launch('correlating-app.ts', env);
      await waitFor(
        async () => {
          if (victim.exited()) throw new Error(`runtime ${victim.exited()}`);
          const now = (await readTopic(single, SINK, emitted + 30, { timeoutMs: 500 })).length;
          return now >= emitted + 30 || done;
        },
        60_000,
        'chains emitted by punctuation',
      );
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
      victim.child.kill('SIGKILL');
      await new Promise((r) => victim.child.once('exit', r));
      emitted = (await readTopic(single, SINK, total, { timeoutMs: 500 })).length;
    }
    const second = launch('correlating-app.ts', env);
    await produced;
    await producer.disconnect();
    const chains = await readTopic(single, SINK, total, { timeoutMs: 120_000, settleMs: 3000 });
    expect(second.exited()).toBeUndefined();
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
    // Every event of every chain is in exactly one emitted chain (a chain split by the restart's
    // wall-clock gap is fine; an event lost or emitted twice is not).
    const events = chains.flatMap((r) => {
      const chain = JSON.parse(r.value.toString()) as {
        correlationId: string;
        events: { cid: string; n: number }[];
      };
      return chain.events.map((e) => `${e.cid}/${e.n}`);
    });
    const expected = Array.from({ length: total }, (_, c) =>
      Array.from({ length: STEPS }, (_, n) => `c${c}/${n}`),
    ).flat();
    expect(events.length - new Set(events).size).toBe(0);
    expect(expected.filter((e) => !new Set(events).has(e))).toEqual([]);
    // The store agrees: every chain emitted was removed (last changelog value per key is a tombstone).
    const changelog = await readTopic(single, store, 1, { timeoutMs: 10_000, settleMs: 3000 });
    const last = new Map<string, number>();
    for (const r of changelog) last.set(r.key, r.value === null ? 0 : r.value.length);
    const open = [...last].filter(([, size]) => size > 0).map(([k]) => k);
    expect(open).toEqual([]);
    expect(kills).toBeGreaterThanOrEqual(2);
    console.log(
      `punctuation under EOS: ${kills} SIGKILLs, ${chains.length} chains, ${events.length} events, ${changelog.length} changelog records`,
    );
  }, 300_000);
});
