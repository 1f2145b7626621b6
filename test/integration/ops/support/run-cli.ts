// Runs the ops commands as an operator would (a separate process through the tsx shim), for
// tests of exit codes, output and signals.

import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConnectionConfig } from '../../../../core/config.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../../..');
const SHIM = join(here, 'tmbus-ops.ts');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment pointing the CLI at the test services. */
export function cliEnv(connection: ConnectionConfig, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TMBUS_KAFKA_BROKERS: connection.kafka.brokers,
    TMBUS_REGISTRY_URL: connection.registry.url,
    ...extra,
  };
}

/** Starts `tmbus <args>` and returns the child plus a promise of its result. */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; done: Promise<CliResult> } {
  // One process (node with the tsx loader), not the tsx wrapper that forks a second one: a signal
  // sent to `child` must reach the replay itself.
  const child = spawn(process.execPath, ['--import', 'tsx', SHIM, ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += String(d);
  });
  child.stderr!.on('data', (d) => {
    stderr += String(d);
  });
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Runs `tmbus <args>` to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return startCli(args, env).done;
}
