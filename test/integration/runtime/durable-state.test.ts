// Persistent (LMDB) stores with checkpoints on the real broker, at-least-once and exactly-once (a
// graceful stop is a clean close): an instance that processed a first round and stopped keeps its
// state and a checkpoint; the tasks move
// to another instance (its own state directory, so a full replay of the changelog) which processes
// a second round; when the first instance comes back it restores only the changelog records the
// other wrote meanwhile, and counting carries on from the right totals.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStoreMetrics } from '../../../cli/state.js';
import { lmdbStoreProvider } from '../../../processors/stores/lmdbStoreProvider.js';
import { StreamsRuntime } from '../../../runtime/engine/streams-runtime.js';
import { domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import { RuntimeMetrics } from '../../../runtime/observability/runtime-metrics.js';
import { countingPlan } from '../../support/counting-plan.js';
import { produceAll, readTopic, waitFor } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const connection = servicesConfig();
const topicManager = new TopicManager(connection);
const cleanup: string[] = [];
const running: StreamsRuntime[] = [];
const root = mkdtempSync(join(tmpdir(), 'tmbus-durable-'));

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  await topicManager.delete(cleanup);
  rmSync(root, { recursive: true, force: true });
});

describe('StreamsRuntime with LMDB stores', () => {
  it.each(['at_least_once', 'exactly_once'] as const)(
    '%s: restores only the changelog tail written since its checkpoint after a restart',
    async (guarantee) => {
      const app = uniqueName('durable');
      const source = uniqueName('in');
      const sink = uniqueName('out');
      cleanup.push(source, sink, `${app}-counts-changelog`, `${app}-dlq`);
      await topicManager.ensure([domainTopic(source, 2), domainTopic(sink, 2)]);
      const plan = countingPlan(app, source, sink);
      const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
      const registries = new Map<string, RuntimeMetrics>();
      const metricsOf = (id: string) => {
        const m = new RuntimeMetrics(new Registry());
        registries.set(id, m);
        return m;
      };
      const start = async (instanceId: string, stateDir: string) => {
        const runtime = new StreamsRuntime({
          connection,
          plan,
          instanceId,
          guarantee,
          metrics: metricsOf(instanceId),
          commitIntervalMs: 50,
          storeProvider: lmdbStoreProvider({ stateDir, applicationId: app }),
        });
        running.push(runtime);
        runtime.onFailed((e) => console.error(`${instanceId} failed`, e));
        await runtime.start();
        await waitFor(
          () => runtime.ready && runtime.assignment().length === 2,
          60_000,
          `${instanceId} ready`,
        );
        return runtime;
      };
      const round = (value: string, times: number) =>
        produceAll(
          connection,
          keys.flatMap((key) => Array.from({ length: times }, () => ({ topic: source, key, value }))),
        );

      // Round 1: 200 records, one changelog write each.
      const here = join(root, 'here');
      const first = await start('first', here);
      expect(first.restoredRecords).toBe(0);
      await round('r1', 10);
      expect(await readTopic(connection, sink, 200)).toHaveLength(200);
      await first.idle();
      await first.stop();

      // Round 2 on another instance: a full replay (200), then 60 changelog writes.
      const other = await start('other', join(root, 'elsewhere'));
      expect(other.restoredRecords).toBe(200);
      await round('r2', 3);
      expect(await readTopic(connection, sink, 260)).toHaveLength(260);
      await other.idle();
      await other.stop();

      // Back on the first instance: only the 60 written since its checkpoint are read.
      const back = await start('back', here);
      expect(back.restoredRecords).toBe(60);
      // The store metrics (what `tmbus state` prints) say the same: per task, the records its last
      // restore applied add up to the 60, and the stores hold every key.
      const stores = parseStoreMetrics(await registries.get('back')!.registry.metrics());
      expect(stores.map((r) => r.task).sort()).toEqual(['0_0', '0_1']);
      expect(stores.reduce((n, r) => n + r.restoredRecords, 0)).toBe(60);
      expect(stores.reduce((n, r) => n + r.entries, 0)).toBe(keys.length);
      expect(stores.every((r) => r.store === 'counts' && r.restoreSeconds >= 0)).toBe(true);
      await round('r3', 1);
      const all = await readTopic(connection, sink, 280);
      const last = all
        .map((r) => r.value.toString())
        .filter((v) => v.endsWith(':r3'))
        .sort();
      expect(last).toEqual(keys.map((k) => `${k}:14:r3`).sort());
      await back.stop();
    },
  );
});
