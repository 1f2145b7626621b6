// /readyz and the tmbus_tasks gauge of a StreamsRuntime on the in-process transport, read over a
// real HTTP request to an ops server on an ephemeral port: while a task's store cannot be restored,
// /readyz is 503 and its body names the FAILED tasks, and the gauge counts them; once the fault is
// gone the retries bring every task to RUNNING, /readyz is 200 listing them, the gauge follows.
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryStoreProvider } from '../../../processors/stores/storeProvider.js';
import { StreamsRuntime } from '../../../runtime/engine/streams-runtime.js';
import {
  type OpsServer,
  runtimeReadiness,
  startOpsServer,
} from '../../../runtime/observability/ops-server.js';
import { RuntimeMetrics } from '../../../runtime/observability/runtime-metrics.js';
import { InProcessBroker } from '../../../runtime/transport/inprocess/broker.js';
import { InProcessTransport } from '../../../runtime/transport/inprocess/inprocess-transport.js';
import { Serdes, TopologyBuilder } from '../../../topology/index.js';
import { waitFor } from '../../support/kafka.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function countingPlan() {
  const builder = new TopologyBuilder();
  builder
    .stream('words', { key: Serdes.string(), value: Serdes.string(), name: 'words' })
    .groupByKey()
    .count({ name: 'counts', store: 'counts' })
    .toStream({ name: 'count-changes' })
    .to('word-counts', { name: 'counts-out', value: Serdes.json<number>() });
  return builder.build({ applicationId: 'readiness' });
}

interface Readyz {
  status: string;
  checks: Record<string, boolean>;
  details: { runtime?: { tasks: Record<string, string> } };
}

async function readyz(ops: OpsServer): Promise<{ code: number; body: Readyz }> {
  const res = await fetch(`${ops.url}/readyz`);
  return { code: res.status, body: (await res.json()) as Readyz };
}

/** `tmbus_tasks` series of the scrape, as `state=value`. */
async function taskGauge(ops: OpsServer): Promise<Record<string, number>> {
  const text = await (await fetch(`${ops.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^tmbus_tasks\{application="readiness",state="(\w+)"\} (\d+)$/gm))
    out[m[1]!] = Number(m[2]);
  return out;
}

describe('/readyz and tmbus_tasks', () => {
  it('503 naming the FAILED tasks while their stores cannot be restored, 200 listing them RUNNING once they recover', async () => {
    const broker = new InProcessBroker();
    broker.createTopic('words', { partitions: 2 });
    let broken = true;
    const registry = new Registry();
    const runtime = new StreamsRuntime({
      transport: new InProcessTransport({ broker }),
      plan: countingPlan(),
      defaultPartitions: 2,
      metrics: new RuntimeMetrics(registry),
      retry: { initialDelayMs: 20, maxDelayMs: 40 },
      storeProvider: (definitions) => {
        if (broken) throw new Error('disk unavailable');
        return new InMemoryStoreProvider(definitions);
      },
    });
    cleanup.push(() => runtime.stop());
    const ops = await startOpsServer({ registry, checks: { runtime: runtimeReadiness(runtime) } });
    cleanup.push(() => ops.close());
    await runtime.start();
    await waitFor(() => runtime.taskIds.length === 2, 5000, 'both tasks created');

    const failing = await readyz(ops);
    expect(failing.code).toBe(503);
    expect(failing.body).toEqual({
      status: 'not ready',
      checks: { runtime: false },
      details: { runtime: { tasks: { '0_0': 'FAILED', '0_1': 'FAILED' } } },
    });
    expect(await taskGauge(ops)).toEqual({ CREATED: 0, RESTORING: 0, RUNNING: 0, SUSPENDED: 0, FAILED: 2 });

    broken = false;
    await waitFor(() => runtime.ready, 5000, 'tasks recovered');
    const ready = await readyz(ops);
    expect(ready.code).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { runtime: true },
      details: { runtime: { tasks: { '0_0': 'RUNNING', '0_1': 'RUNNING' } } },
    });
    expect(await taskGauge(ops)).toEqual({ CREATED: 0, RESTORING: 0, RUNNING: 2, SUSPENDED: 0, FAILED: 0 });
  });

  it('a plain boolean check still works, and a check that throws counts as not ready', async () => {
    const ops = await startOpsServer({
      registry: new Registry(),
      checks: {
        up: () => true,
        broken: () => {
          throw new Error('redis unreachable');
        },
      },
    });
    cleanup.push(() => ops.close());
    expect(await readyz(ops)).toEqual({
      code: 503,
      body: { status: 'not ready', checks: { up: true, broken: false }, details: {} },
    });
  });
});
