// `tmbus lag`: a consumer group's lag per partition (committed offset, high watermark, lag) and
// totals, as a table or JSON, read from outside the group so asking never rebalances it.
// `--fail-above` turns it into a check for scripts and CI (exit 1 when the total is above).

import { Command } from 'commander';
import { ConfigError } from '../core/errors.js';
import { consumerGroupLag, type GroupLag } from '../runtime/ops/lag.js';
import { opsConnectionConfig } from '../runtime/ops/ops-connection.js';
import { type OpsCommandOptions, table } from './replay.js';

interface LagFlags {
  group: string;
  topic?: string[];
  brokers?: string;
  json?: boolean;
  failAbove?: string;
}

/**
 * The `lag` command.
 *
 * @example
 * program.addCommand(lagCommand());
 * // tmbus lag --group tmbus-gateway --json
 */
export function lagCommand(options: OpsCommandOptions = {}): Command {
  const env = options.env ?? process.env;
  return new Command('lag')
    .description("print a consumer group's committed offsets, high watermarks and lag per partition")
    .requiredOption('--group <group>', 'consumer group id')
    .option('--topic <topic...>', 'only these topics (default: every topic the group committed on)')
    .option('--brokers <list>', 'Kafka bootstrap servers  [env: TMBUS_KAFKA_BROKERS]')
    .option('--json', 'print JSON instead of a table')
    .option('--fail-above <n>', 'exit with status 1 when the total lag is above n')
    .action(async (flags: LagFlags, cmd: Command) => {
      const connection = opsConnectionConfig({ brokers: flags.brokers }, env);
      const threshold = flags.failAbove === undefined ? undefined : Number(flags.failAbove);
      if (threshold !== undefined && (!Number.isInteger(threshold) || threshold < 0)) {
        throw new ConfigError(`--fail-above must be a non-negative integer, got '${flags.failAbove}'`, {
          context: { configKey: 'fail-above' },
        });
      }
      const lag = await consumerGroupLag(connection, flags.group, flags.topic);
      cmd.configureOutput().writeOut?.(flags.json ? `${JSON.stringify(lag, null, 2)}\n` : formatLag(lag));
      if (threshold !== undefined && lag.totalLag > threshold) {
        cmd.configureOutput().writeErr?.(`total lag ${lag.totalLag} is above ${threshold}\n`);
        process.exitCode = 1;
      }
    });
}

/** The lag table: one row per partition, a subtotal per topic when there are several, the total. */
export function formatLag(lag: GroupLag): string {
  if (lag.partitions.length === 0) {
    return `group ${lag.groupId} has no committed offsets on the topics asked about\n`;
  }
  const rows: (string | number)[][] = lag.partitions.map((p) => [
    p.topic,
    p.partition,
    p.committed ?? '-',
    p.highWatermark,
    p.lag ?? '-',
  ]);
  const topics = Object.keys(lag.topics);
  if (topics.length > 1) for (const t of topics) rows.push([`${t} (total)`, '', '', '', lag.topics[t]!]);
  rows.push(['TOTAL', '', '', '', lag.totalLag]);
  return `group ${lag.groupId}\n${table(['TOPIC', 'PARTITION', 'COMMITTED', 'HIGH-WATERMARK', 'LAG'], rows)}`;
}
