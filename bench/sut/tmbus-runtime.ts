// The system under test on our side: the TradeMaster runtime running the bench topology
// (bench/runtime/topology.ts) in its own process, so the load generator and the probe never share
// its event loop. Prints READY once it owns partitions; SIGTERM stops it gracefully (drain, commit,
// close), which also lets `--cpu-prof` write its profile.
//
// env: RUN, GUARANTEE (at_least_once | exactly_once), INSTANCE, TMBUS_* connection variables;
// BENCH_DIAG=1 prints the runtime's own view every second on stderr (shown with BENCH_VERBOSE=1):
// per lane the records done, their mean / max time queued and end to end; the event-loop delay; the
// records queued in the lanes at the last fetch; the commits and how long they took (at-least-once:
// the producer flush). BENCH_LIBRDKAFKA='{"fetch.min.bytes":4096}' adds librdkafka settings to the
// runtime's clients and BENCH_COMMIT_MS sets its commit interval (100 ms, as the Kafka Streams
// peer's), for comparisons.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { connectionConfigFromEnv } from '../../core/config.js';
import { type ProcessingGuarantee, StreamsRuntime } from '../../runtime/engine/streams-runtime.js';
import { RuntimeMetrics } from '../../runtime/observability/runtime-metrics.js';
import { HttpSchemaRegistry } from '../../schemas/index.js';
import { benchTopology } from '../runtime/topology.js';

const run = process.env.RUN!;
const guarantee = (process.env.GUARANTEE ?? 'at_least_once') as ProcessingGuarantee;
const configured = connectionConfigFromEnv({ ...process.env, TMBUS_REDIS_URL: undefined });
const connection = process.env.BENCH_LIBRDKAFKA
  ? {
      ...configured,
      kafka: {
        ...configured.kafka,
        librdkafka: { ...configured.kafka.librdkafka, ...JSON.parse(process.env.BENCH_LIBRDKAFKA) },
      },
    }
  : configured;
const registry = new HttpSchemaRegistry({ url: connection.registry.url });

const plan = await benchTopology(run, registry);
const diagnostics = process.env.BENCH_DIAG ? diagnose() : undefined;
const runtime = new StreamsRuntime({
  connection,
  plan,
  guarantee,
  commitIntervalMs: Number(process.env.BENCH_COMMIT_MS ?? 100),
  // One per process when several run in the group (exactly-once fences by it).
  instanceId: process.env.INSTANCE ?? 'bench-0',
  metrics: diagnostics?.metrics,
  onRecordDone: diagnostics?.recordDone,
  // For comparisons, not defaults: runtime options as JSON (e.g. {"maxQueued":5000}).
  ...(process.env.BENCH_RUNTIME ? JSON.parse(process.env.BENCH_RUNTIME) : {}),
});
runtime.onFailed((e) => {
  process.stdout.write(`FAILED ${String(e)}\n`);
  process.exit(1);
});

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await runtime.stop();
  process.stdout.write(`STOPPED ${JSON.stringify(runtime.stats)}\n`);
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

await runtime.start();
while (!runtime.ready) await new Promise((r) => setTimeout(r, 20));
process.stdout.write(`READY ${JSON.stringify({ internalTopics: plan.internalTopics.map((t) => t.name) })}\n`);

/** The BENCH_DIAG report (see the top of this file). */
function diagnose() {
  type Lane = { n: number; queued: number; total: number; queuedMax: number; totalMax: number };
  const lanes = new Map<string, Lane>();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const metrics = new RuntimeMetrics(new Registry());
  let last = { count: 0, sum: 0 };
  setInterval(async () => {
    const values = (await metrics.commitLatency.get()).values as { metricName?: string; value: number }[];
    const total = (name: string) =>
      values.filter((v) => v.metricName === name).reduce((n, v) => n + v.value, 0);
    const now = {
      count: total('tmbus_commit_latency_seconds_count'),
      sum: total('tmbus_commit_latency_seconds_sum'),
    };
    const commits = now.count - last.count;
    const commitMs = commits > 0 ? ((now.sum - last.sum) * 1000) / commits : 0;
    last = now;
    const queued = (await metrics.queued.get()).values.reduce((n, v) => n + v.value, 0);
    const perLane = [...lanes].map(
      ([lane, l]) =>
        `${lane} ${l.n} queued ${(l.queued / l.n).toFixed(1)}/${l.queuedMax} total ${(l.total / l.n).toFixed(1)}/${l.totalMax}`,
    );
    lanes.clear();
    process.stderr.write(
      `DIAG loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms; ${queued} queued; ${commits} commits of ${commitMs.toFixed(1)} ms; ${perLane.join(' | ')}\n`,
    );
    loop.reset();
  }, 1000).unref();
  return {
    metrics,
    recordDone(lane: string, queuedMs: number, totalMs: number) {
      const l = lanes.get(lane) ?? { n: 0, queued: 0, total: 0, queuedMax: 0, totalMax: 0 };
      lanes.set(lane, l);
      l.n++;
      l.queued += queuedMs;
      l.total += totalMs;
      l.queuedMax = Math.max(l.queuedMax, queuedMs);
      l.totalMax = Math.max(l.totalMax, totalMs);
    },
  };
}
