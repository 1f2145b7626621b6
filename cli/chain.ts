// `tmbus chain <correlationId>`: every event of one business flow, found in the domain topics by
// its correlation header and printed as a causation tree in time order — the first thing an SRE
// reaches for when asked "what happened to order X".

import { Command } from 'commander';
import { traceCorrelation } from '../runtime/ops/chain.js';
import { formatEventChain } from '../runtime/ops/event-chain.js';
import { opsConnectionConfig } from '../runtime/ops/ops-connection.js';
import { HttpSchemaRegistry } from '../schemas/index.js';
import type { OpsCommandOptions } from './replay.js';

interface ChainFlags {
  topics?: string[];
  from: string;
  brokers?: string;
  registry?: string;
  json?: boolean;
  payloads?: boolean;
}

/**
 * The `chain` command.
 *
 * @example
 * program.addCommand(chainCommand());
 * // tmbus chain 3f1c… --from -2h
 */
export function chainCommand(options: OpsCommandOptions = {}): Command {
  const env = options.env ?? process.env;
  return new Command('chain')
    .description('print the events of one correlation id as a causation tree, in time order')
    .argument('<correlationId>', 'the tm-correlation-id of the flow')
    .option('--topics <topic...>', 'topics to scan (default: the catalog domain topics that exist)')
    .option('--from <time>', 'where the scan starts: ISO-8601, relative (-1h) or epoch ms', '-1h')
    .option('--brokers <list>', 'Kafka bootstrap servers  [env: TMBUS_KAFKA_BROKERS]')
    .option('--registry <url>', 'schema registry URL  [env: TMBUS_REGISTRY_URL]')
    .option('--payloads', 'print each event payload')
    .option('--json', 'print the events and the tree as JSON')
    .action(async (correlationId: string, flags: ChainFlags, cmd: Command) => {
      const connection = opsConnectionConfig({ brokers: flags.brokers, registry: flags.registry }, env, true);
      const trace = await traceCorrelation({
        connection,
        registry: new HttpSchemaRegistry({ url: connection.registry.url }),
        correlationId,
        topics: flags.topics,
        from: flags.from,
      });
      const out = (text: string) => cmd.configureOutput().writeOut?.(text);
      if (flags.json) {
        out(`${JSON.stringify(trace, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
      } else if (trace.events.length === 0) {
        out(
          `no events with correlation id ${correlationId} in ${trace.topics.join(', ')} since ${flags.from} (${trace.scanned} records scanned)\n`,
        );
      } else {
        out(
          `${formatEventChain(trace, { payloads: flags.payloads })}\n(${trace.scanned} records scanned in ${trace.topics.join(', ')})\n`,
        );
      }
      if (trace.events.length === 0) process.exitCode = 1;
    });
}
