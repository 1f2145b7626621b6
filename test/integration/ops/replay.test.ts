// Replay against the real broker: a time range copied into a new topic keeps every record of the
// range (per partition, with key, headers and timestamp) and nothing outside it; an interrupted
// replay resumes from its checkpoint without loss or duplicates; `--group` moves a stopped
// group's offsets to the start time and refuses a running group.

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusConsumer } from '../../../runtime/kafka/consumer.js';
import { BusProducer } from '../../../runtime/kafka/producer.js';
import { TopicManager } from '../../../runtime/kafka/topics.js';
import { consumerGroupLag } from '../../../runtime/ops/lag.js';
import { replayRange } from '../../../runtime/ops/replay.js';
import {
  FileCheckpointStore,
  type ReplayCheckpoint,
  remainingRanges,
} from '../../../runtime/ops/replay-checkpoint.js';
import { waitFor } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';
import { cliEnv, runCli, startCli } from './support/run-cli.js';
import { countByPartition, type DumpedRecord, dumpTopic } from './support/topic-dump.js';

const connection = servicesConfig();
const topics = new TopicManager(connection);
const source = uniqueName('ops-replay-src');
const created: string[] = [source];
const RECORDS = 3000;
const STEP_MS = 100;
// An hour ago: inside retention, and far from the broker's limit on future timestamps.
const base = Date.now() - 3_600_000;
const from = base + 600 * STEP_MS; // record 600, inclusive
const to = base + 2400 * STEP_MS; // record 2400, exclusive
let sent: { i: number; partition: number; offset: number; timestamp: number }[] = [];
let checkpointDir: string;

const inRange = () => sent.filter((r) => r.timestamp >= from && r.timestamp < to);
const store = () => new FileCheckpointStore(checkpointDir);
const doneOf = (c: ReplayCheckpoint) =>
  remainingRanges(c).reduce((sum, r, i) => sum + (r.start - c.plan[i]!.start), 0);

beforeAll(async () => {
  checkpointDir = await mkdtemp(join(tmpdir(), 'tmbus-replay-'));
  await topics.ensure([{ name: source, partitions: 3 }]);
  const producer = new BusProducer({ connection });
  await producer.connect();
  try {
    const reports = await producer.sendAll(
      Array.from({ length: RECORDS }, (_, i) => ({
        topic: source,
        key: Buffer.from(`k-${i % 37}`),
        value: Buffer.from(`v-${i}`),
        timestamp: base + i * STEP_MS,
        headers: { 'tm-seq': Buffer.from(String(i)) },
      })),
    );
    sent = reports.map((r, i) => ({
      i,
      partition: r.partition,
      offset: r.offset,
      timestamp: base + i * STEP_MS,
    }));
  } finally {
    await producer.disconnect();
  }
});

afterAll(async () => {
  await topics.delete(created);
  await rm(checkpointDir, { recursive: true, force: true });
});

function expectExactlyTheRange(records: readonly DumpedRecord[]) {
  const expected = inRange();
  expect(records).toHaveLength(expected.length);
  expect(countByPartition(records)).toEqual(countByPartition(expected));
  expect(new Set(records.map((r) => r.value)).size).toBe(expected.length);
  expect(new Set(records.map((r) => r.value))).toEqual(new Set(expected.map((r) => `v-${r.i}`)));
}

describe('replay --into', () => {
  it('copies exactly the records of the range, per partition, with key, headers and timestamp', async () => {
    const into = uniqueName('ops-replay-into');
    created.push(into);
    const progress: number[] = [];
    const summary = await replayRange({
      connection,
      topic: source,
      from: String(from),
      to: String(to),
      into,
      checkpoints: store(),
      batchSize: 500,
      onProgress: (p) => progress.push(p.done),
    });
    const expected = inRange();
    expect(summary.completed).toBe(true);
    expect(summary.records).toBe(expected.length);
    const perPartition = Object.fromEntries(summary.partitions.map((p) => [p.partition, p.replayed]));
    expect(perPartition).toEqual(countByPartition(expected));
    expect(progress.at(-1)).toBe(expected.length);

    const copied = await dumpTopic(connection, into, expected.length);
    expectExactlyTheRange(copied);
    for (const r of copied) {
      const i = Number(r.value.slice(2));
      const original = sent[i]!;
      expect(r.partition).toBe(original.partition);
      expect(r.timestamp).toBe(original.timestamp);
      expect(r.key).toBe(`k-${i % 37}`);
      expect(r.headers['tm-seq']).toBe(String(i));
    }
    // Same partition, same order: offsets in the copy follow the originals' order.
    for (const p of [0, 1, 2]) {
      const seq = copied.filter((r) => r.partition === p).sort((a, b) => a.offset - b.offset);
      const ids = seq.map((r) => Number(r.value.slice(2)));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
  });

  it('resumes an interrupted replay from its checkpoint: no loss, no duplicates', async () => {
    const into = uniqueName('ops-replay-resume');
    created.push(into);
    const args = {
      connection,
      topic: source,
      from: String(from),
      to: String(to),
      into,
      checkpoints: store(),
      batchSize: 250,
    };
    const first = await replayRange({ ...args, maxRecords: 700 });
    expect(first.completed).toBe(false);
    expect(first.records).toBe(700);
    expect((await store().load(first.replayId))?.next).toBeDefined();

    // Second interruption, by abort signal this time.
    const controller = new AbortController();
    const second = await replayRange({
      ...args,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done >= 1200) controller.abort();
      },
    });
    expect(second.resumed).toBe(true);
    expect(second.completed).toBe(false);
    expect(second.records).toBeGreaterThan(0);

    const third = await replayRange(args);
    expect(third.resumed).toBe(true);
    expect(third.completed).toBe(true);
    expect(first.records + second.records + third.records).toBe(inRange().length);
    expectExactlyTheRange(await dumpTopic(connection, into, inRange().length));

    // Running the same replay again is a no-op, not a second copy.
    const again = await replayRange(args);
    expect(again.records).toBe(0);
    expect(again.completed).toBe(true);
  });

  it('resumes after the CLI process is killed mid-replay: nothing lost, at most one batch repeated', async () => {
    const into = uniqueName('ops-replay-kill');
    created.push(into);
    const batch = 100;
    const argv = ['replay', '--topic', source, '--from', String(from), '--to', String(to), '--into', into];
    const env = cliEnv(connection, { TMBUS_REPLAY_CHECKPOINT_DIR: checkpointDir });
    // Throttled so the kill lands mid-range; the checkpoint file is watched to know when.
    const run = startCli([...argv, '--batch-size', String(batch), '--max-rate', '500'], env);
    let replayId: string | undefined;
    await waitFor(
      async () => {
        const files = (await readdir(checkpointDir)).filter(
          (f) => f.startsWith(`${source}-to-${into}`) && f.endsWith('.json'),
        );
        if (files.length === 0) return false;
        replayId = files[0]!.replace(/\.json$/, '');
        const checkpoint = await store()
          .load(replayId)
          .catch(() => undefined);
        return Object.values(checkpoint?.next ?? {}).length === 3 && doneOf(checkpoint!) >= 300;
      },
      60_000,
      'the replay to get going',
    );
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal).toBe('SIGKILL');
    const leftAt = doneOf((await store().load(replayId!))!);
    expect(leftAt).toBeLessThan(inRange().length);

    const rest = await runCli([...argv, '--batch-size', String(batch), '--json'], env);
    expect(rest.code, rest.stderr).toBe(0);
    const summary = JSON.parse(rest.stdout) as {
      resumed: boolean;
      completed: boolean;
      records: number;
      rate: number;
    };
    expect(summary).toMatchObject({ resumed: true, completed: true, records: inRange().length - leftAt });

    const copied = await dumpTopic(connection, into, inRange().length);
    const expected = new Set(inRange().map((r) => `v-${r.i}`));
    expect(new Set(copied.map((r) => r.value))).toEqual(expected); // nothing lost
    expect(copied.length - expected.size).toBeLessThanOrEqual(batch); // at most the batch in flight
  });

  it('prints a summary per partition with duration and rate', async () => {
    const into = uniqueName('ops-replay-cli');
    created.push(into);
    const env = cliEnv(connection, { TMBUS_REPLAY_CHECKPOINT_DIR: checkpointDir });
    const result = await runCli(
      ['replay', '--topic', source, '--from', String(from), '--to', String(to), '--into', into],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/: complete/);
    expect(result.stdout).toMatch(/PARTITION\s+START\s+END\s+IN RANGE\s+REPLAYED NOW\s+REMAINING/);
    for (const [p, n] of Object.entries(countByPartition(inRange()))) {
      expect(result.stdout).toMatch(new RegExp(`^${p}\\s+\\d+\\s+\\d+\\s+${n}\\s+${n}\\s+0$`, 'm'));
    }
    expect(result.stdout).toMatch(
      new RegExp(`${inRange().length} record\\(s\\) in [\\d.]+ s \\(\\d+ rec/s\\)`),
    );
  });
});

describe('replay --group', () => {
  it("resets a stopped group's offsets so its consumer re-reads from the start time", async () => {
    const group = uniqueName('ops-replay-group');
    // The group has read everything and committed it.
    const seen: number[] = [];
    const member = new BusConsumer({
      connection,
      groupId: group,
      topics: [source],
      onBatch: (messages) => {
        for (const m of messages) seen.push(m.offset);
        member.commit(
          messages.map((m) => ({ topic: m.topic, partition: m.partition, offset: m.offset + 1 })),
          true,
        );
      },
    });
    await member.connect();
    member.start();
    await waitFor(() => seen.length >= RECORDS, 60_000, 'the group to read the topic');

    // While it runs, a reset is refused and changes nothing.
    const env = cliEnv(connection);
    const refused = await runCli(
      ['replay', '--topic', source, '--from', String(from), '--group', group],
      env,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/group '.*' is active/);
    await member.close();
    expect((await consumerGroupLag(connection, group, [source])).totalLag).toBe(0);

    const reset = await runCli(
      ['replay', '--topic', source, '--from', String(from), '--group', group, '--json'],
      env,
    );
    expect(reset.code, reset.stderr).toBe(0);
    const expectedStart = new Map<number, number>();
    for (const r of sent.filter((s) => s.timestamp >= from)) {
      expectedStart.set(r.partition, Math.min(expectedStart.get(r.partition) ?? Infinity, r.offset));
    }
    const summary = JSON.parse(reset.stdout) as { partitions: { partition: number; offset: number }[] };
    expect(new Map(summary.partitions.map((p) => [p.partition, p.offset]))).toEqual(expectedStart);

    // A new member of the group starts exactly at the first record of the start time.
    const reread: string[] = [];
    const again = new BusConsumer({
      connection,
      groupId: group,
      topics: [source],
      onBatch: (messages) => {
        for (const m of messages) reread.push(String(m.value));
      },
    });
    await again.connect();
    again.start();
    const fromStart = sent.filter((s) => s.timestamp >= from).length;
    await waitFor(() => reread.length >= fromStart, 60_000, 'the re-read');
    await new Promise((r) => setTimeout(r, 500));
    await again.close();
    expect(reread).toHaveLength(fromStart);
    expect(new Set(reread)).toEqual(new Set(sent.filter((s) => s.timestamp >= from).map((s) => `v-${s.i}`)));
  });

  it('refuses --into and --group together, and bad times with a clear message', async () => {
    const env = cliEnv(connection);
    const both = await runCli(
      ['replay', '--topic', source, '--from', '-1h', '--into', 'x', '--group', 'g'],
      env,
    );
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/cannot be used with/);
    const badTime = await runCli(['replay', '--topic', source, '--from', 'yesterday', '--into', 'x'], env);
    expect(badTime.code).toBe(1);
    expect(badTime.stderr).toMatch(/invalid from 'yesterday'/);
  });
});
