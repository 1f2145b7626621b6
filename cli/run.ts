// `tmbus run <topology-module>`: runs a topology on the real Kafka — configuration validated at
// start-up, topics created or verified, /metrics /healthz /readyz served, traces exported when
// OTEL_* variables ask for it, graceful shutdown on SIGTERM/SIGINT within the configured bound.
// `--workers N` runs N supervised processes in one consumer group (runtime/engine/workers.ts).

import cluster from 'node:cluster';
import { hostname } from 'node:os';
import { Command } from 'commander';
import { Registry } from 'prom-client';
import { createLogger } from '../core/logger.js';
import { exitProcess, stopOnSignals } from '../runtime/engine/signals.js';
import { StreamsRuntime } from '../runtime/engine/streams-runtime.js';
import { reportToSupervisor, superviseWorkers, workerIndex } from '../runtime/engine/workers.js';
import { runtimeReadiness, startOpsServer } from '../runtime/observability/ops-server.js';
import { startTracing } from '../runtime/observability/otel.js';
import { RuntimeMetrics } from '../runtime/observability/runtime-metrics.js';
import { HttpSchemaRegistry } from '../schemas/index.js';
import { loadAppConfig } from './app-config.js';
import { loadTopology } from './topology-module.js';

export function runCommand(): Command {
  return new Command('run')
    .description(
      'run a topology module on Kafka (default export: plan, builder, or ({ registry, connection }) => plan)',
    )
    .argument('<module>', 'path to the topology module (.js)')
    .option('-c, --config <file>', 'JSON configuration file (TMBUS_* environment variables override it)')
    .option(
      '-w, --workers <n>',
      'runtime processes in one consumer group, like num.stream.threads (default 1)',
    )
    .action(async (modulePath: string, opts: { config?: string; workers?: string }) => {
      const config = loadAppConfig(opts.config);
      const workers = opts.workers === undefined ? config.runtime.workers : Number(opts.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 64)
        throw new Error(`--workers must be an integer from 1 to 64 (got ${opts.workers})`);
      const index = workerIndex();
      const logger = createLogger({ name: index === undefined ? 'tmbus-run' : `tmbus-run-w${index}` });
      if (workers > 1 && cluster.isPrimary) {
        const supervisor = await superviseWorkers({
          workers,
          logger,
          opsPort: config.runtime.opsPort,
          opsHost: config.runtime.opsHost,
          shutdownTimeoutMs: config.runtime.shutdownTimeoutMs,
        });
        const exitWith = (code: number) => void supervisor.stop().then(() => exitProcess(code, logger));
        process.once('SIGTERM', () => exitWith(0));
        process.once('SIGINT', () => exitWith(0));
        void supervisor.done.then((code) => exitWith(code));
        return;
      }
      const tracing = await startTracing('tmbus-runtime');
      const registry = new HttpSchemaRegistry({ url: config.registry.url });
      const plan = await loadTopology(modulePath, { registry, connection: config });
      const metricsRegistry = new Registry();
      const runtime = new StreamsRuntime({
        connection: config,
        plan,
        guarantee: config.runtime.guarantee,
        instanceId: `${config.runtime.instanceId ?? hostname()}${index === undefined ? '' : `-w${index}`}`,
        commitIntervalMs: config.runtime.commitIntervalMs,
        shutdownTimeoutMs: config.runtime.shutdownTimeoutMs,
        replicationFactor: config.runtime.replicationFactor,
        metrics: new RuntimeMetrics(metricsRegistry),
        tracer: tracing?.tracer,
        logger,
      });
      if (index !== undefined) {
        // A supervised worker: the supervisor serves /metrics and /readyz for all of them.
        reportToSupervisor(runtime, metricsRegistry);
        runtime.onFailed(() => exitProcess(1, logger));
        stopOnSignals([runtime, ...(tracing ? [tracing] : [])], {
          timeoutMs: config.runtime.shutdownTimeoutMs,
          logger,
        });
        await runtime.start();
        logger.info({ applicationId: plan.applicationId, worker: index }, 'running');
        return;
      }
      const ops = await startOpsServer({
        registry: metricsRegistry,
        port: config.runtime.opsPort,
        host: config.runtime.opsHost,
        checks: {
          runtime: runtimeReadiness(runtime),
          registry: () =>
            registry.listSubjects().then(
              () => true,
              () => false,
            ),
        },
      });
      runtime.onFailed(() => exitProcess(1, logger));
      stopOnSignals([runtime, { stop: () => ops.close() }, ...(tracing ? [tracing] : [])], {
        timeoutMs: config.runtime.shutdownTimeoutMs,
        logger,
      });
      await runtime.start();
      logger.info({ applicationId: plan.applicationId, ops: ops.url }, 'running');
    });
}
