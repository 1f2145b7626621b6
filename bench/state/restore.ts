// Restore cost of a persistent store (issue: durable state), on the real broker. A counting topology
// (one task, a key-value store changelogged to Kafka) gets a store of N entries (default 1,000,000,
// written to its changelog directly, as a long-running instance would have left it). Then:
//   1. full replay — an instance with an empty state directory restores all N, and answers a record;
//   2. the same instance stops cleanly (its LMDB copy and checkpoint stay), another writer appends
//      T more changelog records (default 10,000), and the instance starts again from its checkpoint:
//      it must read only those T, and answer its first record sooner.
// Prints both times (start → first record answered), the records each restore read, and the ratio.
//
//   node --import tsx bench/state/restore.ts [--entries 1000000] [--tail 10000]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectionConfigFromEnv } from '../../core/config.js';
import { jsonSerde } from '../../processors/stores/jsonSerde.js';
import { lmdbStoreProvider } from '../../processors/stores/lmdbStoreProvider.js';
import { StreamsRuntime } from '../../runtime/engine/streams-runtime.js';
import { BusProducer } from '../../runtime/kafka/producer.js';
import { domainTopic, TopicManager } from '../../runtime/kafka/topics.js';
import { countingPlan } from '../../test/support/counting-plan.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ENTRIES = arg('--entries', 1_000_000);
const TAIL = arg('--tail', 10_000);

const connection = connectionConfigFromEnv({
  TMBUS_KAFKA_BROKERS: '127.0.0.1:19092',
  TMBUS_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
  ...process.env,
  TMBUS_REDIS_URL: undefined,
});
const run = Date.now().toString(36);
const app = `bench-restore-${run}`;
const source = `${app}-in`;
const sink = `${app}-out`;
const plan = countingPlan(app, source, sink);
const changelog = plan.internalTopics[0]!.name;
const topics = new TopicManager(connection);
const stateDir = mkdtempSync(join(tmpdir(), 'tmbus-restore-'));
const key = jsonSerde<string>();
const value = jsonSerde<number>();
const log = (s: string) => process.stderr.write(`${s}\n`);

async function writeChangelog(from: number, n: number): Promise<void> {
  const producer = new BusProducer({ connection, librdkafka: { 'linger.ms': 20, 'batch.size': 1_000_000 } });
  await producer.connect();
  const ctx = { topic: changelog };
  for (let i = from; i < from + n; i += 10_000) {
    const batch = [];
    for (let j = i; j < Math.min(from + n, i + 10_000); j++)
      batch.push({
        topic: changelog,
        partition: 0,
        key: key.serialize(`k${j}`, ctx),
        value: value.serialize(1, ctx),
      });
    await producer.sendAll(batch);
  }
  await producer.disconnect();
}

/** Starts the instance with a record already waiting; resolves when that record is answered. */
async function startAndAnswer(
  label: string,
): Promise<{ ms: number; restored: number; runtime: StreamsRuntime }> {
  const producer = new BusProducer({ connection });
  await producer.connect();
  await producer.send({ topic: source, key: Buffer.from('probe'), value: Buffer.from(label) });
  await producer.disconnect();
  const started = performance.now();
  const runtime = new StreamsRuntime({
    connection,
    plan,
    instanceId: 'restore-bench',
    commitIntervalMs: 100,
    storeProvider: lmdbStoreProvider({ stateDir, applicationId: app }),
  });
  const before = runtime.stats.processed;
  await runtime.start();
  while (runtime.stats.processed <= before) await new Promise((r) => setTimeout(r, 2));
  const ms = performance.now() - started;
  log(
    `restore bench: ${label}: ${runtime.restoredRecords} changelog records restored, first record answered after ${Math.round(ms)} ms`,
  );
  return { ms, restored: runtime.restoredRecords, runtime };
}

try {
  await topics.ensure([
    domainTopic(source, 1),
    domainTopic(sink, 1),
    { ...plan.internalTopics[0]!, partitions: 1 },
  ]);
  log(`restore bench: writing ${ENTRIES.toLocaleString('en')} entries to ${changelog}…`);
  await writeChangelog(0, ENTRIES);

  const full = await startAndAnswer('full replay');
  await full.runtime.stop(); // clean close: the LMDB copy and its checkpoint stay

  log(`restore bench: another writer appends ${TAIL.toLocaleString('en')} changelog records…`);
  await writeChangelog(ENTRIES, TAIL);
  const tail = await startAndAnswer('restart from checkpoint');
  await tail.runtime.stop();

  const result = {
    entries: ENTRIES,
    tail: TAIL,
    fullReplay: { restoredRecords: full.restored, firstAnswerMs: Math.round(full.ms) },
    fromCheckpoint: { restoredRecords: tail.restored, firstAnswerMs: Math.round(tail.ms) },
    ratio: Math.round((tail.ms / full.ms) * 1000) / 1000,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  log(
    `| restart of a ${ENTRIES.toLocaleString('en')}-entry store | records restored | start → first record answered |\n` +
      `|---|---|---|\n` +
      `| full replay (empty state directory) | ${full.restored.toLocaleString('en')} | ${Math.round(full.ms).toLocaleString('en')} ms |\n` +
      `| from its checkpoint (${TAIL.toLocaleString('en')} written since) | ${tail.restored.toLocaleString('en')} | ${Math.round(tail.ms).toLocaleString('en')} ms (${result.ratio}× the full replay) |`,
  );
  if (tail.restored !== TAIL) {
    log(
      `restore bench: FAILED: the restart restored ${tail.restored} records, not the ${TAIL} written since its checkpoint`,
    );
    process.exitCode = 1;
  }
} finally {
  await topics.delete([source, sink, changelog, `${app}-dlq`]).catch(() => undefined);
  rmSync(stateDir, { recursive: true, force: true });
}
process.exit();
