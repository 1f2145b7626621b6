// Exactly-once failover without exit, made deterministic: mid-stream, a second producer with the
// runtime's transactional id initialises (as a replacement instance would), which fences the
// runtime's producer. The runtime must abort, close its tasks as zombies, re-create its producer,
// rewind to the last commit and restore its stores — in-process — and a read_committed reader then
// sees every input once, with per-key counts continuing without a gap or a repeat.
import { afterAll, describe, expect, it } from 'vitest';
import { StreamsRuntime } from '../../../runtime/engine/streams-runtime.js';
import { BusProducer } from '../../../runtime/kafka/producer.js';
import { domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import { countingPlan } from '../../support/counting-plan.js';
import { produceAll, readTopic, waitFor } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const connection = servicesConfig();
const topicManager = new TopicManager(connection);
const cleanup: string[] = [];
const running: StreamsRuntime[] = [];

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  await topicManager.delete(cleanup);
});

describe('exactly-once transaction recovery', () => {
  it('a fenced producer is replaced in-process: no exit, no duplicate, no loss', async () => {
    const app = uniqueName('fenced');
    const source = uniqueName('in');
    const sink = uniqueName('out');
    cleanup.push(source, sink, `${app}-counts-changelog`, `${app}-dlq`);
    await topicManager.ensure([domainTopic(source, 3), domainTopic(sink, 3)]);
    const KEYS = 20;
    const TOTAL = 30_000;
    const runtime = new StreamsRuntime({
      connection,
      plan: countingPlan(app, source, sink),
      guarantee: 'exactly_once',
      instanceId: 'one',
      commitIntervalMs: 100,
      // Small queues keep the stream going for a while, so the fence lands mid-stream.
      maxQueued: 2000,
      maxQueuedPerPartition: 500,
    });
    running.push(runtime);
    let failed: unknown;
    runtime.onFailed((e) => {
      failed = e;
    });
    await runtime.start();
    await produceAll(
      connection,
      Array.from({ length: TOTAL / 2 }, (_, i) => ({ topic: source, key: `k${i % KEYS}`, value: `v${i}` })),
    );
    await waitFor(() => runtime.stats.processed >= 2000, 60_000, 'the stream to be under way');

    // The "newer instance": same transactional id; its initTransactions fences the runtime's epoch.
    const zombieKiller = new BusProducer({ connection, transactionalId: `${app}-one` });
    await zombieKiller.connect();
    await zombieKiller.disconnect();
    await produceAll(
      connection,
      Array.from({ length: TOTAL / 2 }, (_, i) => ({
        topic: source,
        key: `k${(i + TOTAL / 2) % KEYS}`,
        value: `v${i + TOTAL / 2}`,
      })),
    );

    const out = await readTopic(connection, sink, TOTAL, { timeoutMs: 120_000, settleMs: 2000 });
    expect(failed).toBeUndefined();
    expect(runtime.recoveries).toBeGreaterThanOrEqual(1);
    const values = out.map((r) => r.value.toString());
    const inputs = values.map((v) => v.split(':')[2]);
    expect(inputs).toHaveLength(TOTAL);
    expect(new Set(inputs).size).toBe(TOTAL);
    const countsByKey = new Map<string, number[]>();
    for (const v of values) {
      const [key, count] = v.split(':');
      countsByKey.set(key!, [...(countsByKey.get(key!) ?? []), Number(count)]);
    }
    for (const counts of countsByKey.values())
      expect([...counts].sort((a, b) => a - b)).toEqual(
        Array.from({ length: counts.length }, (_, i) => i + 1),
      );
    console.log(`fenced mid-stream: ${runtime.recoveries} recovery(ies), ${out.length} outputs, no exit`);
    await runtime.stop();
  }, 180_000);
});
