// `tmbus services up|down|status|logs|env`: the real Kafka, Apicurio Registry and Redis, through
// scripts/services/services.sh (which owns downloads, ports and pid files).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';

/** Finds scripts/services/services.sh from the source tree or from dist/. */
export function servicesScript(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'scripts/services/services.sh');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('scripts/services/services.sh not found next to the package');
}

export function runServices(args: string[]): number {
  const r = spawnSync(servicesScript(), args, { stdio: 'inherit' });
  return r.status ?? 1;
}

export function servicesCommand(): Command {
  const cmd = new Command('services').description(
    'start, stop and inspect the real Kafka, schema registry and Redis',
  );
  for (const [name, description] of [
    ['up', 'fetch (first time) and start Kafka (KRaft), Apicurio Registry and Redis; wait until healthy'],
    ['down', 'stop the services this project started'],
    ['status', 'report each service as healthy or down'],
    ['env', 'print the TMBUS_* variables that point at the services'],
    ['fetch', 'download Kafka and Apicurio into the cache without starting them'],
  ] as const) {
    cmd
      .command(name)
      .description(description)
      .option('--brokers <n>', 'number of Kafka brokers (1, or 3 for fault tests)', '1')
      .action((opts: { brokers: string }) => {
        process.exitCode = runServices([name, '--brokers', opts.brokers]);
      });
  }
  cmd
    .command('logs [service]')
    .description('tail the logs of kafka, registry or redis (all by default)')
    .action((service?: string) => {
      process.exitCode = runServices(['logs', ...(service ? [service] : [])]);
    });
  return cmd;
}
