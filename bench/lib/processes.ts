// Child processes of the benchmark (load generator, probe, systems under test): spawned with a
// registry that kills whatever is still running when the orchestrator exits, so a failed or
// interrupted run leaves nothing behind.

import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { join } from 'node:path';

const live = new Set<ChildProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const child of live) if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
}

/** Spawns and tracks a child; it is killed when this process exits. */
export function track(command: string, args: string[], options: SpawnOptions): ChildProcess {
  hookExit();
  const child = spawn(command, args, options);
  live.add(child);
  child.on('exit', () => live.delete(child));
  return child;
}

export const BENCH_DIR = join(import.meta.dirname, '..');

/** A TypeScript module of bench/ run by Node through tsx, with `nodeArgs` (e.g. --cpu-prof). */
export function spawnTs(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { ipc?: boolean; nodeArgs?: string[] } = {},
): ChildProcess {
  return track(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', join(BENCH_DIR, file), ...args],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
    },
  );
}

/** Resolves with the first stdout line starting with `prefix`; rejects on exit or after `timeoutMs`. */
export function waitForLine(child: ChildProcess, prefix: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => done(new Error(`no '${prefix}' within ${timeoutMs} ms`)), timeoutMs);
    const onData = (d: Buffer) => {
      buffer += d.toString();
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith(prefix)) return done(undefined, line);
        if (line.startsWith('FAILED')) return done(new Error(line));
        nl = buffer.indexOf('\n');
      }
    };
    const onExit = (code: number | null) => done(new Error(`exited (${code}) before '${prefix}'`));
    const done = (err?: Error, line?: string) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(line!);
    };
    child.stdout?.on('data', onData);
    child.on('exit', onExit);
  });
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export function terminate(child: ChildProcess, graceMs = 40_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Keeps reading a child's piped stdout and stderr (so it never blocks on a full pipe) and returns
 * their tail, for error reports. With BENCH_VERBOSE=1 they are also copied to our stderr.
 */
export function drain(child: ChildProcess, name: string, keep = 16_384): () => string {
  let tail = '';
  const verbose = process.env.BENCH_VERBOSE === '1';
  const take = (d: Buffer) => {
    tail = (tail + d.toString()).slice(-keep);
    if (verbose) process.stderr.write(`[${name}] ${d}`);
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  return () => tail;
}
