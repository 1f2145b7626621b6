// The example applications of the end-to-end benchmark on the real runtime, in their own process
// (forked by bench/e2e.ts; one process per application by default, like `tmbus run` deployments):
// the demo's plans (examples/topologies) built over the run's prefixed topics with the run's
// account directory, each a `StreamsRuntime` on the librdkafka transport. Reports `ready` (with the
// internal topics to delete afterwards), then CPU and per-lane processing time every second.

import { performance } from 'node:perf_hooks';
import { createLogger } from '../../core/logger.js';
import type { ApplicationName } from '../../examples/topics.js';
import { buildDemoPlans, demoSerdes } from '../../examples/topologies/index.js';
import { StreamsRuntime } from '../../runtime/engine/streams-runtime.js';
import { kafkaTransport } from '../../runtime/transport/librdkafka/kafka-transport.js';
import type { Priority } from '../../schemas/catalog.js';
import { HttpSchemaRegistry } from '../../schemas/index.js';
import { LaneLatency } from '../lib/latency.js';
import { e2eDirectory, setupFromEnv, topicsOf } from './plan.js';

const setup = setupFromEnv();
const apps = (process.env.E2E_APPS ?? '').split(',') as ApplicationName[];
const send = (m: unknown) => process.send?.(m);
const topics = topicsOf(setup);
const registry = new HttpSchemaRegistry({ url: setup.connection.registry.url });
const serdes = await demoSerdes(registry, topics);
const plans = buildDemoPlans({ topics, serdes, directory: e2eDirectory(setup) });
// E2E_LIBRDKAFKA='{"fetch.min.bytes":4096,…}': librdkafka settings for the runtimes' clients (both
// consumers and producers; a setting of the other kind is ignored with a warning), to compare.
const extra = process.env.E2E_LIBRDKAFKA ? JSON.parse(process.env.E2E_LIBRDKAFKA) : undefined;
const transport = kafkaTransport(
  extra ? { ...setup.connection, kafka: { ...setup.connection.kafka, librdkafka: extra } } : setup.connection,
);

// Per input lane: time a record waited in the runtime's lane queues plus its processing (ms).
const processing = new LaneLatency();
let processed = 0;
const runtimes = apps.map(
  (name) =>
    new StreamsRuntime({
      transport,
      plan: plans[name],
      instanceId: `e2e-${name}`,
      commitIntervalMs: 100,
      defaultPartitions: setup.partitions,
      // E2E_VERBOSE=1: the runtimes log (pino, to stdout).
      ...(process.env.E2E_VERBOSE === '1' ? { logger: createLogger({ name: `e2e-${name}` }) } : {}),
      onRecordDone: (lane: Priority, queueMs: number) => {
        processed++;
        processing.record(lane, queueMs);
      },
    }),
);
for (const r of runtimes) r.onFailed((e) => send({ kind: 'failed', message: String(e) }));
// Whatever stops this process is reported to the parent before it goes.
const die = (e: unknown) => {
  send({ kind: 'failed', message: `${apps.join('+')}: ${(e as Error)?.stack ?? e}`.slice(0, 2000) });
  setTimeout(() => process.exit(1), 100);
};
process.on('uncaughtException', die);
process.on('unhandledRejection', die);
await Promise.all(runtimes.map((r) => r.start()));
while (!runtimes.every((r) => r.ready)) await new Promise((r) => setTimeout(r, 20));
send({
  kind: 'ready',
  internalTopics: apps.flatMap((a) => [
    ...plans[a].internalTopics.map((t) => t.name),
    `${plans[a].applicationId}-dlq`,
  ]),
});

let cpu = process.cpuUsage();
let at = performance.now();
setInterval(() => {
  const used = process.cpuUsage(cpu);
  const t = performance.now();
  send({
    kind: 'stats',
    cpuPercent: Math.round(((used.user + used.system) / 1000 / (t - at)) * 100),
    processed,
  });
  cpu = process.cpuUsage();
  at = t;
}, 1000).unref();

process.on('message', (m: { kind?: string }) => {
  if (m?.kind === 'reset') {
    processing.reset();
    processed = 0;
  } else if (m?.kind === 'summary') send({ kind: 'summary', processed, lanes: processing.summary() });
  else if (m?.kind === 'stop')
    void Promise.allSettled(runtimes.map((r) => r.stop())).then(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
