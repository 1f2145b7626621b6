// `tmbus describe <topology-module> [--mermaid]`: prints the topology as Kafka Streams-style text
// or as a Mermaid graph, without connecting to Kafka.

import { Command } from 'commander';
import { connectionConfigSchema } from '../core/config.js';
import { InMemorySchemaRegistry } from '../schemas/index.js';
import { loadTopology } from './topology-module.js';

export function describeCommand(): Command {
  return new Command('describe')
    .description('print a topology as text (Kafka Streams style) or as a Mermaid graph')
    .argument('<module>', 'path to the topology module (.js)')
    .option('--mermaid', 'print a Mermaid flowchart instead of text')
    .action(async (modulePath: string, opts: { mermaid?: boolean }) => {
      // Describing needs no broker: serdes register against an in-memory registry.
      const connection = connectionConfigSchema.parse({
        kafka: { brokers: process.env.TMBUS_KAFKA_BROKERS ?? 'unused:9092' },
        registry: { url: process.env.TMBUS_REGISTRY_URL ?? 'http://unused/' },
      });
      const plan = await loadTopology(modulePath, { registry: new InMemorySchemaRegistry(), connection });
      console.log(opts.mermaid ? plan.describeMermaid() : plan.describe());
    });
}
