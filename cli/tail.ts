// `tmbus tail <topic…>`: the records of a topic as JSON lines — position, Kafka timestamp, key,
// headers, and the value decoded through the schema registry — which kcat cannot do with the
// Confluent-framed Avro the bus writes. Reads with assign/seek only: no consumer group joins and
// nothing is committed. An undecodable record is printed with its error and raw bytes, never
// skipped and never fatal.

import { Command, Option } from 'commander';
import { ConfigError } from '../core/errors.js';
import { opsConnectionConfig } from '../runtime/ops/ops-connection.js';
import { recordJson } from '../runtime/ops/record-json.js';
import { tailTopics } from '../runtime/ops/topic-tail.js';
import { createGenericAvroDecoder, HttpSchemaRegistry } from '../schemas/index.js';
import type { OpsCommandOptions } from './replay.js';

interface TailFlags {
  count: string;
  from?: string;
  follow?: boolean;
  partition?: string;
  readUncommitted?: boolean;
  brokers?: string;
  registry?: string;
}

/**
 * The `tail` command.
 *
 * @example
 * program.addCommand(tailCommand());
 * // tmbus tail tm.orders -n 5 --follow | jq .value.header.eventType
 */
export function tailCommand(options: OpsCommandOptions = {}): Command {
  const env = options.env ?? process.env;
  return new Command('tail')
    .summary('print records as JSON lines, values decoded through the schema registry')
    .description(
      'print records as JSON lines {topic, partition, offset, timestamp, key, headers, value}, values ' +
        'decoded through the schema registry; undecodable ones with {error, rawValue}',
    )
    .argument('<topic...>', 'topic(s) to read')
    .addOption(
      new Option(
        '-n, --count <n>',
        'print the last n records over all selected partitions, ordered by Kafka timestamp',
      ).default('10'),
    )
    .addOption(
      new Option(
        '--from <spec>',
        'print every record from here to the end instead: earliest, latest, offset:<n> (in each ' +
          'partition), ISO-8601, relative (-15m, -1h) or epoch ms',
      ).conflicts('count'),
    )
    .option(
      '-f, --follow',
      'then keep printing new records until Ctrl-C (without it, stop at the end offsets seen at start)',
    )
    .option('-p, --partition <p>', 'only this partition')
    .option('--read-uncommitted', 'also show records of open and aborted transactions')
    .option('--brokers <list>', 'Kafka bootstrap servers  [env: TMBUS_KAFKA_BROKERS]')
    .option('--registry <url>', 'schema registry URL  [env: TMBUS_REGISTRY_URL]')
    .action(async (topics: string[], flags: TailFlags, cmd: Command) => {
      const connection = opsConnectionConfig({ brokers: flags.brokers, registry: flags.registry }, env, true);
      const count = integer(flags.count, 'count', 1);
      const partition = flags.partition === undefined ? undefined : integer(flags.partition, 'partition', 0);
      const decoder = createGenericAvroDecoder(new HttpSchemaRegistry({ url: connection.registry.url }));
      const out = (text: string) => cmd.configureOutput().writeOut?.(text);
      const controller = new AbortController();
      // Ctrl-C ends a tail normally (exit 0); a second one quits without waiting for the poll.
      const onSignal = () => {
        if (controller.signal.aborted) process.exit(130);
        controller.abort();
      };
      // `tmbus tail … | head -3`: the reader went away; stop as tail(1) does instead of crashing.
      const onStdoutError = (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE') controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      process.stdout.on('error', onStdoutError);
      try {
        for await (const batch of tailTopics({
          connection,
          topics,
          partition,
          from: flags.from,
          count,
          follow: flags.follow,
          signal: controller.signal,
          isolationLevel: flags.readUncommitted ? 'read_uncommitted' : 'read_committed',
        })) {
          for (const record of batch) {
            if (controller.signal.aborted) break;
            out(`${JSON.stringify(await recordJson(record, decoder))}\n`);
          }
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.stdout.off('error', onStdoutError);
      }
    });
}

function integer(value: string, option: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new ConfigError(`--${option} must be an integer ≥ ${min}, got '${value}'`, {
      context: { configKey: option },
    });
  }
  return n;
}
