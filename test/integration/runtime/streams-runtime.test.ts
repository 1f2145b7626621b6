// StreamsRuntime on the real broker with a hand-compiled plan (test/support/counting-plan.ts), so
// the runtime's guarantees are tested apart from the DSL: group split and takeover with state
// restored from the changelog, dead-lettering, and priority lanes under a flood.
import { afterAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS, HEADERS } from '../../../core/headers.js';
import { StreamsRuntime } from '../../../runtime/engine/streams-runtime.js';
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

async function fixture(partitions: number) {
  const app = uniqueName('app');
  const source = uniqueName('in');
  const sink = uniqueName('out');
  cleanup.push(source, sink, `${app}-counts-changelog`, `${app}-dlq`);
  await topicManager.ensure([domainTopic(source, partitions), domainTopic(sink, partitions)]);
  return { app, source, sink, plan: countingPlan(app, source, sink) };
}

function startRuntime(
  plan: ReturnType<typeof countingPlan>,
  extra: Partial<ConstructorParameters<typeof StreamsRuntime>[0]> = {},
) {
  const runtime = new StreamsRuntime({ connection, plan, commitIntervalMs: 50, ...extra });
  running.push(runtime);
  return runtime;
}

describe('StreamsRuntime', () => {
  it('splits partitions between two instances, takes over when one stops, and restores state from the changelog', async () => {
    const { source, sink, plan } = await fixture(4);
    const a = startRuntime(plan, { instanceId: 'a' });
    const b = startRuntime(plan, { instanceId: 'b' });
    await a.start();
    await b.start();
    await waitFor(
      () =>
        a.assignment().length + b.assignment().length === 4 &&
        a.assignment().length > 0 &&
        b.assignment().length > 0,
      60_000,
      'both instances to own partitions',
    );

    const keys = ['AAPL', 'MSFT', 'GOOG', 'TSLA', 'NVDA', 'AMZN'];
    await produceAll(
      connection,
      keys.flatMap((k) => [1, 2, 3].map((i) => ({ topic: source, key: k, value: `v${i}` }))),
    );
    const firstRound = await readTopic(connection, sink, 18);
    expect(firstRound).toHaveLength(18);
    // The sink has the source's partitioning, so this shows b processed (and so owns state of) some keys.
    const ownedByB = new Set(b.assignment().map((tp) => tp.partition));
    expect(firstRound.some((r) => ownedByB.has(r.partition))).toBe(true);

    await b.stop();
    await waitFor(() => a.assignment().length === 4, 60_000, 'the survivor to own every partition');
    await produceAll(
      connection,
      keys.map((k) => ({ topic: source, key: k, value: 'v4' })),
    );
    const all = await readTopic(connection, sink, 24);
    const fourth = all
      .filter((r) => r.value.toString().endsWith(':v4'))
      .map((r) => r.value.toString())
      .sort();
    // Counts continue at 4 for every key, including those whose partitions moved from b to a.
    expect(fourth).toEqual(keys.map((k) => `${k}:4:v4`).sort());
    await a.stop();
  });

  it('dead-letters a poison record with headers that say what failed and where, and keeps going', async () => {
    const { app, source, sink, plan } = await fixture(1);
    const runtime = startRuntime(plan);
    await runtime.start();
    await produceAll(connection, [
      { topic: source, key: 'k', value: 'before' },
      { topic: source, key: 'k', value: 'poison' },
      { topic: source, key: 'k', value: 'after' },
    ]);
    const out = await readTopic(connection, sink, 2);
    expect(out.map((r) => r.value.toString())).toEqual(['k:1:before', 'k:2:after']);
    const [dead] = await readTopic(connection, `${app}-dlq`, 1);
    expect(dead?.value.toString()).toBe('poison');
    expect(dead?.headers[DEAD_LETTER_HEADERS.errorCode]).toBe('PROCESSING_FAILED');
    expect(dead?.headers[DEAD_LETTER_HEADERS.stage]).toBe('COUNT-0000000001');
    expect(dead?.headers[DEAD_LETTER_HEADERS.topic]).toBe(source);
    expect(dead?.headers[DEAD_LETTER_HEADERS.partition]).toBe('0');
    expect(dead?.headers[DEAD_LETTER_HEADERS.offset]).toBe('1');
    expect(dead?.headers[DEAD_LETTER_HEADERS.errorMessage]).toContain('poison record');
    expect(runtime.stats.deadLettered).toBe(1);
    await runtime.stop();
  });

  it('processes a CRITICAL event published during a BACKGROUND flood before the backlog', async () => {
    const { source, plan } = await fixture(2);
    const order: string[] = [];
    const flood = 20_000;
    // The backlog is in place before the runtime starts, as after an outage.
    await produceAll(
      connection,
      Array.from({ length: flood }, (_, i) => ({
        topic: source,
        key: `bg-${i % 50}`,
        value: `bg${i}`,
        partition: 0,
        headers: { [HEADERS.priority]: Buffer.from('BACKGROUND') },
      })),
    );
    await produceAll(connection, [
      {
        topic: source,
        key: 'acct-1',
        value: 'breach',
        partition: 1,
        headers: { [HEADERS.priority]: Buffer.from('CRITICAL') },
      },
    ]);
    const runtime = startRuntime(plan, {
      onRecordDone: (lane) => {
        order.push(lane);
      },
    });
    await runtime.start();
    await waitFor(() => order.length >= flood + 1, 120_000, 'the whole backlog');
    const criticalAt = order.indexOf('CRITICAL');
    expect(criticalAt).toBeGreaterThanOrEqual(0);
    // Once fetched, CRITICAL jumps the queue: it finishes within the first fetches, not at the end.
    expect(criticalAt).toBeLessThan(flood / 4);
    await runtime.stop();
  });
});
