// `tmbus demo` (`npm start`): the zero-setup demo. The TradeMaster services and topologies on the
// embedded in-process broker, one gateway fed by its lane feed (no Java, Kafka or Redis), the
// example page at `/`, the dashboard at `/dashboard` and Prometheus metrics at `/metrics`.
// `TMBUS_DEMO_MODE=kafka` runs the same on the real stack (TMBUS_KAFKA_BROKERS, TMBUS_REGISTRY_URL,
// TMBUS_REDIS_URL), with `--gateways N` gateway instances in one consumer group. Prints the URLs
// and development tokens; Ctrl-C (SIGINT) or SIGTERM stops everything cleanly.

import { Command, InvalidArgumentError } from 'commander';
import { createLogger } from '../core/logger.js';
import type { DemoMode } from '../examples/demo-config.js';
import { stopOnSignals } from '../runtime/engine/signals.js';
import { type DemoStack, startDemoStack } from './demo-stack.js';

function int(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** What `tmbus demo` prints once everything runs (the tests parse these lines). */
export function describeStack(stack: DemoStack): string {
  const lines = [
    `TradeMaster demo running (${stack.demo.mode}${stack.gateways.length > 1 ? `, ${stack.gateways.length} gateways` : ''})`,
    '',
    `  Example page: ${stack.pageUrl(stack.tokens[0].token)}`,
    `  Dashboard:    ${stack.dashboardUrl}`,
    `  Metrics:      ${stack.metricsUrl}`,
    ...stack.urls.map((url, i) => `  Gateway ${i + 1}:    ${url}`),
    '',
    'Development tokens (12 h; open the page with ?token=<token>):',
    ...stack.tokens.map(
      (t) =>
        `  ${t.label.padEnd(13)} sub=${t.sub} roles=${t.roles.join(',')}${t.account ? ` account=${t.account}` : ''}\n    token=${t.token}`,
    ),
    '',
    'Press Ctrl-C to stop.',
  ];
  return lines.join('\n');
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('run the TradeMaster demo: services, topologies, gateway, example page and dashboard')
    .option(
      '-p, --port <port>',
      'gateway port (0 = any free port; TMBUS_GATEWAY_PORT)',
      int('--port', 0, 65_535),
    )
    .option('--gateways <n>', 'gateway instances (Kafka mode; TMBUS_DEMO_GATEWAYS)', int('--gateways', 1, 16))
    .option('--mode <mode>', 'embedded or kafka (TMBUS_DEMO_MODE)')
    .option('--prefix <prefix>', 'topic / group / subject prefix (TMBUS_DEMO_TOPIC_PREFIX)')
    .action(
      async (flags: { port?: number; gateways?: number; mode?: string; prefix?: string }, cmd: Command) => {
        const env = process.env;
        if (flags.mode !== undefined && flags.mode !== 'embedded' && flags.mode !== 'kafka')
          cmd.error(`--mode must be embedded or kafka, not '${flags.mode}'`, { exitCode: 2 });
        const logger = createLogger({ name: 'tmbus-demo', level: env.TMBUS_LOG_LEVEL ?? 'warn' });
        const port =
          flags.port ??
          (env.TMBUS_GATEWAY_PORT ? int('TMBUS_GATEWAY_PORT', 0, 65_535)(env.TMBUS_GATEWAY_PORT) : 3000);
        const gateways =
          flags.gateways ??
          (env.TMBUS_DEMO_GATEWAYS ? int('TMBUS_DEMO_GATEWAYS', 1, 16)(env.TMBUS_DEMO_GATEWAYS) : 1);
        const stack = await startDemoStack({
          port,
          gateways,
          logger,
          env,
          demo: {
            ...(flags.mode ? { mode: flags.mode as DemoMode } : {}),
            ...(flags.prefix !== undefined ? { topicPrefix: flags.prefix } : {}),
          },
        });
        console.log(describeStack(stack));
        stopOnSignals([{ stop: () => stack.stop() }], { logger, timeoutMs: 15_000 });
      },
    );
}
