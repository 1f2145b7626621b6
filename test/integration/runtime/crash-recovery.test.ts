// Kill -9 a runtime process in the middle of a stream and restart it: at-least-once loses no input
// record; exactly-once shows neither a duplicate nor a loss to a read_committed reader, and its
// store (a count per key) continues without a gap.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonSerde } from '../../../processors/stores/jsonSerde.js';
import { LmdbStoreProvider, lmdbTaskDirectory } from '../../../processors/stores/lmdbStoreProvider.js';
import { domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import { produceAll, readTopic, waitFor } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const connection = servicesConfig();
const topicManager = new TopicManager(connection);
const cleanup: string[] = [];
const children: ChildProcess[] = [];
const app = join(import.meta.dirname, 'fixtures/counting-app.ts');

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await topicManager.delete(cleanup);
});

function launch(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', app], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  // A runtime that dies on its own (bad config, compile error) must fail the test at once, not
  // after the read timeouts.
  child.once('exit', (code, signal) => {
    if (signal === null && code !== 0) unexpectedExit = new Error(`runtime process exited with code ${code}`);
  });
  return child;
}

let unexpectedExit: Error | undefined;
/** `check` unless the runtime process died on its own, which fails at once. */
const whileAlive =
  <T>(check: () => T) =>
  (): T => {
    if (unexpectedExit) throw unexpectedExit;
    return check();
  };

const KEYS = 20;
const TOTAL = 40_000;

async function crashAndRecover(guarantee: 'at_least_once' | 'exactly_once', stateDir?: string) {
  const APP = uniqueName(`crash-${guarantee === 'exactly_once' ? 'eos' : 'alos'}`);
  const SOURCE = uniqueName('in');
  const SINK = uniqueName('out');
  cleanup.push(SOURCE, SINK, `${APP}-counts-changelog`, `${APP}-dlq`);
  await topicManager.ensure([domainTopic(SOURCE, 3), domainTopic(SINK, 3)]);
  const env = { APP, SOURCE, SINK, GUARANTEE: guarantee, ...(stateDir ? { STATE_DIR: stateDir } : {}) };
  await produceAll(
    connection,
    Array.from({ length: TOTAL / 2 }, (_, i) => ({ topic: SOURCE, key: `k${i % KEYS}`, value: `v${i}` })),
  );

  const first = launch(env);
  // Kill it mid-stream: once some output is visible, not all.
  let started = false;
  first.stdout!.once('data', () => (started = true));
  await waitFor(
    whileAlive(() => started),
    60_000,
    'the runtime process to start',
  );
  // …after some output is committed (so the restart has committed state and offsets to resume from).
  await waitFor(
    whileAlive(async () => (await readTopic(connection, SINK, 1, { timeoutMs: 1000 })).length >= 1),
    60_000,
    'first committed outputs',
  );
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  // The crash must land mid-stream for the test to mean anything.
  const beforeCrash = await readTopic(connection, SINK, TOTAL / 2, {
    timeoutMs: 3000,
    isolation: 'read_uncommitted',
  });
  expect(beforeCrash.length).toBeLessThan(TOTAL / 2);
  await produceAll(
    connection,
    Array.from({ length: TOTAL / 2 }, (_, i) => ({
      topic: SOURCE,
      key: `k${(i + TOTAL / 2) % KEYS}`,
      value: `v${i + TOTAL / 2}`,
    })),
  );

  const second = launch(env);
  const out = await readTopic(connection, SINK, TOTAL, { timeoutMs: 120_000, settleMs: 1500 });
  console.log(
    `${guarantee}: ${beforeCrash.length} outputs visible at the crash, ${out.length} after recovery`,
  );
  second.kill('SIGTERM');
  await new Promise((r) => second.once('exit', r));
  crashedApp = APP;
  return out.map((r) => r.value.toString());
}
let crashedApp = '';

/** Each input once, and each key's count running 1, 2, 3, … without a gap or a repeat. */
function expectExactlyOnce(values: string[]) {
  const inputs = values.map((v) => v.split(':')[2]);
  expect(inputs).toHaveLength(TOTAL);
  expect(new Set(inputs).size).toBe(TOTAL);
  const countsByKey = new Map<string, number[]>();
  for (const v of values) {
    const [key, count] = v.split(':');
    countsByKey.set(key!, [...(countsByKey.get(key!) ?? []), Number(count)]);
  }
  for (const counts of countsByKey.values()) {
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: counts.length }, (_, i) => i + 1));
  }
}

describe('crash recovery', () => {
  it('at-least-once: SIGKILL mid-stream loses no input record', async () => {
    const values = await crashAndRecover('at_least_once');
    const seen = new Set(values.map((v) => v.split(':')[2]));
    const missing = Array.from({ length: TOTAL }, (_, i) => `v${i}`).filter((v) => !seen.has(v));
    expect(missing).toEqual([]);
  });

  it('exactly-once: SIGKILL mid-stream shows no duplicate and no loss to a read_committed reader', async () => {
    // The store restored from the (transactional) changelog continues each key's count without gaps.
    expectExactlyOnce(await crashAndRecover('exactly_once'));
  });

  it('exactly-once with LMDB stores: after a SIGKILL and a restart the store equals a replay of the committed input', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tmbus-crash-lmdb-'));
    try {
      expectExactlyOnce(await crashAndRecover('exactly_once', stateDir));
      // The killed instance's local copy held writes of its open transaction: the restart must
      // have wiped it and restored (Kafka Streams' rule), so each key counts its inputs exactly once.
      const counts = new Map<string, number>();
      for (let partition = 0; partition < 3; partition++) {
        const dir = lmdbTaskDirectory({ stateDir, applicationId: crashedApp }, `0_${partition}`);
        const stores = new LmdbStoreProvider(dir, [
          { name: 'counts', kind: 'keyValue', keySerde: jsonSerde(), valueSerde: jsonSerde() },
        ]);
        for (const { key, value } of stores.getKeyValueStore<string, number>('counts').all())
          counts.set(key, value);
        await stores.close();
      }
      expect(counts.size).toBe(KEYS);
      for (const [key, n] of counts) expect([key, n]).toEqual([key, TOTAL / KEYS]);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('SIGTERM drains and commits within the bound: a restarted at-least-once instance repeats nothing', async () => {
    const APP = uniqueName('graceful');
    const SOURCE = uniqueName('in');
    const SINK = uniqueName('out');
    cleanup.push(SOURCE, SINK, `${APP}-counts-changelog`, `${APP}-dlq`);
    await topicManager.ensure([domainTopic(SOURCE, 3), domainTopic(SINK, 3)]);
    const env = { APP, SOURCE, SINK, GUARANTEE: 'at_least_once' };
    const N = 5000;
    await produceAll(
      connection,
      Array.from({ length: N }, (_, i) => ({ topic: SOURCE, key: `k${i % KEYS}`, value: `v${i}` })),
    );
    const first = launch(env);
    await readTopic(connection, SINK, N, { timeoutMs: 60_000 });
    const stoppedAt = Date.now();
    first.kill('SIGTERM');
    const code = await new Promise((r) => first.once('exit', r));
    expect(code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(20_000);

    await produceAll(connection, [{ topic: SOURCE, key: 'k0', value: 'after-restart' }]);
    const second = launch(env);
    const out = await readTopic(connection, SINK, N + 1, { timeoutMs: 60_000, settleMs: 2000 });
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
    expect(out).toHaveLength(N + 1);
    expect(out.map((r) => r.value.toString())).toContain(`k0:${N / KEYS + 1}:after-restart`);
  });
});
