// `tmbus run <topology-module>`: runs a topology on the real Kafka — configuration validated at
// start-up, topics created or verified, /metrics /healthz /readyz served, traces exported when
// OTEL_* variables ask for it, graceful shutdown on SIGTERM/SIGINT within the configured bound.

import { hostname } from 'node:os';
import { Command } from 'commander';
import { Registry } from 'prom-client';
import { createLogger } from '../core/logger.js';
import { exitProcess, stopOnSignals } from '../runtime/engine/signals.js';
import { StreamsRuntime } from '../runtime/engine/streams-runtime.js';
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
    .action(async (modulePath: string, opts: { config?: string }) => {
      const config = loadAppConfig(opts.config);
      const logger = createLogger({ name: 'tmbus-run' });
      const tracing = await startTracing('tmbus-runtime');
      const registry = new HttpSchemaRegistry({ url: config.registry.url });
      const plan = await loadTopology(modulePath, { registry, connection: config });
      const metricsRegistry = new Registry();
      const runtime = new StreamsRuntime({
        connection: config,
        plan,
        guarantee: config.runtime.guarantee,
        instanceId: config.runtime.instanceId ?? hostname(),
        commitIntervalMs: config.runtime.commitIntervalMs,
        shutdownTimeoutMs: config.runtime.shutdownTimeoutMs,
        replicationFactor: config.runtime.replicationFactor,
        metrics: new RuntimeMetrics(metricsRegistry),
        tracer: tracing?.tracer,
        logger,
      });
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
