// The runtime's failure contract when a dependency fails, on the real broker and registry:
// - the schema registry unreachable for 20 s in the middle of a stream (a TCP proxy in front of the
//   real registry is closed — a network fault, not a mock): records whose writer schema the runtime
//   has not cached are held and retried, none reaches the dead-letter topic, and every output is
//   produced once the registry is back;
// - a store restore that fails (injected through the store provider): the instance is not ready,
//   processes and drops nothing, and recovers — state restored — once the fault is gone.
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { InMemoryStoreProvider } from '../../../processors/stores/storeProvider.js';
import { StreamsRuntime } from '../../../runtime/engine/streams-runtime.js';
import { domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import { createAvroSerde, HttpSchemaRegistry } from '../../../schemas/index.js';
import { Serdes, TopologyBuilder } from '../../../topology/index.js';
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

/** A TCP proxy to `target` that can be cut (connections refused, open ones reset) and restored. */
async function tcpProxy(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const open = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = tcpConnect(Number(target.port), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server?.close(() => resolve());
    });
  await open();
  return { url: (path: string) => `http://127.0.0.1:${port}${path}`, open, close };
}

const tick = (fields: { name: string; type: unknown; default?: unknown }[]) => ({
  type: 'record',
  name: 'Tick',
  namespace: 'test.faults',
  fields: [{ name: 'n', type: 'int' }, ...fields],
});

describe('dependency faults', () => {
  it('registry down for 20 s mid-stream: no record dead-lettered, none lost, every output after it returns', async () => {
    const app = uniqueName('regfault');
    const source = uniqueName('ticks');
    const sink = uniqueName('ticks-out');
    cleanup.push(source, sink, `${app}-dlq`);
    await topicManager.ensure([domainTopic(source, 2), domainTopic(sink, 2)]);
    const registryUrl = new URL(connection.registry.url);
    const proxy = await tcpProxy(registryUrl);
    const viaProxy = new HttpSchemaRegistry({ url: proxy.url(registryUrl.pathname) });
    const direct = new HttpSchemaRegistry({ url: connection.registry.url });

    // The runtime reads with v1 (through the proxy); writers later use v2 and v3, whose ids the
    // runtime has never seen, so prepare() must reach the registry.
    const reader = await createAvroSerde<{ n: number }>(viaProxy, { topic: source, schema: tick([]) });
    const b = new TopologyBuilder();
    b.stream(source, { key: Serdes.string(), value: reader, name: 'ticks' })
      .mapValues((t) => ({ n: t.n }), { name: 'strip', valueSerde: Serdes.json<{ n: number }>() })
      .to(sink, { name: 'ticks-out' });
    const runtime = new StreamsRuntime({
      connection,
      plan: b.build({ applicationId: app }),
      commitIntervalMs: 50,
    });
    running.push(runtime);
    let failed: unknown;
    runtime.onFailed((e) => (failed = e));
    await runtime.start();

    const v1 = reader;
    const v2 = await createAvroSerde<{ n: number; venue: string }>(direct, {
      topic: source,
      schema: tick([{ name: 'venue', type: 'string', default: 'XNAS' }]),
    });
    const v3 = await createAvroSerde<{ n: number; venue: string; lot: number }>(direct, {
      topic: source,
      schema: tick([
        { name: 'venue', type: 'string', default: 'XNAS' },
        { name: 'lot', type: 'int', default: 100 },
      ]),
    });
    expect(new Set([v1.schemaId, v2.schemaId, v3.schemaId]).size).toBe(3);
    const encode = (n: number) => {
      const ctx = { topic: source };
      if (n % 3 === 1) return v2.serialize({ n, venue: 'XLON' }, ctx);
      if (n % 3 === 2) return v3.serialize({ n, venue: 'XLON', lot: 10 }, ctx);
      return v1.serialize({ n }, ctx);
    };
    const publish = (from: number, to: number) =>
      produceAll(
        connection,
        Array.from({ length: to - from }, (_, i) => ({
          topic: source,
          key: `k${(from + i) % 7}`,
          value: encode(from + i),
        })),
      );

    // Before the outage: v1 only, no registry call needed.
    const before = Array.from({ length: 30 }, (_, i) => i * 3);
    await produceAll(
      connection,
      before.map((n) => ({ topic: source, key: `k${n % 7}`, value: v1.serialize({ n }, { topic: source }) })),
    );
    await readTopic(connection, sink, before.length, { timeoutMs: 60_000 });

    await proxy.close();
    const outageStarted = Date.now();
    await publish(1000, 1300); // mixes v1, v2, v3
    await new Promise((r) => setTimeout(r, 20_000));
    expect(failed).toBeUndefined();
    const duringOutage = await readTopic(connection, sink, before.length + 300, {
      timeoutMs: 2000,
      isolation: 'read_uncommitted',
    });
    // Records with the unknown writer ids were held, not processed (nor dead-lettered).
    expect(duringOutage.length).toBeLessThan(before.length + 300);
    expect(runtime.stats.retried).toBeGreaterThan(0);
    expect(runtime.stats.deadLettered).toBe(0);

    await proxy.open();
    const outputs = await readTopic(connection, sink, before.length + 300, { timeoutMs: 120_000 });
    console.log(
      `registry outage: ${Math.round((Date.now() - outageStarted) / 1000)} s, ${runtime.stats.retried} retries, ` +
        `${duringOutage.length - before.length} of 300 processed during the outage`,
    );
    const seen = outputs.map((r) => (JSON.parse(r.value.toString()) as { n: number }).n);
    const expected = [...before, ...Array.from({ length: 300 }, (_, i) => 1000 + i)];
    expect([...new Set(seen)].sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
    expect(await readTopic(connection, `${app}-dlq`, 1, { timeoutMs: 2000 })).toHaveLength(0);
    expect(runtime.stats.deadLettered).toBe(0);
    expect(failed).toBeUndefined();
    await runtime.stop();
  }, 180_000);

  it('a failing restore leaves the instance not ready, drops no record, and recovers when the fault is gone', async () => {
    const app = uniqueName('restorefault');
    const source = uniqueName('in');
    const sink = uniqueName('out');
    cleanup.push(source, sink, `${app}-counts-changelog`, `${app}-dlq`);
    await topicManager.ensure([domainTopic(source, 2), domainTopic(sink, 2)]);
    const plan = countingPlan(app, source, sink);
    const keys = ['a', 'b', 'c', 'd'];

    // A first instance builds state (and its changelog), then leaves.
    const first = new StreamsRuntime({ connection, plan, commitIntervalMs: 50, instanceId: 'first' });
    running.push(first);
    await first.start();
    await produceAll(
      connection,
      keys.flatMap((k) => [1, 2, 3].map((i) => ({ topic: source, key: k, value: `v${i}` }))),
    );
    await readTopic(connection, sink, 12);
    await first.stop();

    // The second instance's stores fail to restore until the fault is cleared.
    let faulty = true;
    let attempts = 0;
    const second = new StreamsRuntime({
      connection,
      plan,
      commitIntervalMs: 50,
      instanceId: 'second',
      retry: { initialDelayMs: 200, maxDelayMs: 1000 },
      storeProvider: (definitions) => {
        attempts++;
        if (faulty) throw new Error('disk unavailable');
        return new InMemoryStoreProvider(definitions);
      },
    });
    running.push(second);
    let failed: unknown;
    second.onFailed((e) => (failed = e));
    await second.start();
    await waitFor(() => second.assignment().length === 2, 60_000, 'the assignment');
    await produceAll(
      connection,
      keys.map((k) => ({ topic: source, key: k, value: 'v4' })),
    );
    await waitFor(() => attempts >= 4, 30_000, 'restore retries');
    expect(second.ready).toBe(false);
    expect(Object.values(second.taskStatuses())).not.toContain('RUNNING');
    expect(second.stats.processed).toBe(0);
    expect((await readTopic(connection, sink, 13, { timeoutMs: 2000 })).length).toBe(12);

    faulty = false;
    await waitFor(() => second.ready, 30_000, 'the instance to recover');
    expect(Object.values(second.taskStatuses())).toEqual(['RUNNING', 'RUNNING']);
    const all = await readTopic(connection, sink, 16, { timeoutMs: 30_000 });
    // Every v4 is processed, against the restored counts (4, not 1).
    expect(
      all
        .map((r) => r.value.toString())
        .filter((v) => v.endsWith(':v4'))
        .sort(),
    ).toEqual(keys.map((k) => `${k}:4:v4`));
    expect(failed).toBeUndefined();
    expect(second.stats.deadLettered).toBe(0);
    await second.stop();
  }, 120_000);
});
