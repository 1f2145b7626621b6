// Graceful shutdown on SIGTERM/SIGINT: stop fetching, finish in-flight work, commit, leave the
// group, close — within a bound, after which the process exits anyway. A second signal exits at
// once. (SIGKILL cannot be caught; at-least-once and exactly-once commits are what make it safe.)

import type { Logger } from '../../core/logger.js';
import { stuckNativeCalls } from '../kafka/stuck-native-calls.js';

export interface Stoppable {
  stop(): Promise<void>;
}

export interface ShutdownOptions {
  /** Longest graceful shutdown before exiting anyway, ms. @default 30000 */
  timeoutMs?: number;
  logger?: Logger;
  /** @default exitProcess */
  exit?: (code: number) => void;
}

/**
 * Exits with `code`. When a librdkafka call is stuck on libuv's thread pool (see
 * stuck-native-calls.ts), `process.exit` would join that thread and never return; the process then
 * replaces itself with `sh -c 'exit <code>'` (execve ends every thread without joining them), so the
 * parent still sees the intended exit status. Falls back to SIGKILL where `process.execve` is missing.
 */
export function exitProcess(code: number, logger?: Logger): void {
  const stuck = stuckNativeCalls();
  if (stuck === 0) process.exit(code);
  logger?.warn(
    { stuckNativeCalls: stuck, code },
    'librdkafka calls still stuck: exiting without joining them',
  );
  const execve = (process as { execve?: (file: string, args: string[], env?: NodeJS.ProcessEnv) => never })
    .execve;
  if (typeof execve === 'function') {
    try {
      execve('/bin/sh', ['sh', '-c', `exit ${code}`], {});
    } catch {
      // no /bin/sh: fall through
    }
  }
  process.kill(process.pid, 'SIGKILL');
}

/** Installs SIGTERM/SIGINT handlers that stop every component in order; returns an uninstaller. */
export function stopOnSignals(components: readonly Stoppable[], options: ShutdownOptions = {}): () => void {
  const exit = options.exit ?? ((code: number) => exitProcess(code, options.logger));
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      options.logger?.warn({ signal }, 'second signal: exiting now');
      exit(130);
      return;
    }
    stopping = true;
    options.logger?.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      options.logger?.error({ timeoutMs: options.timeoutMs ?? 30_000 }, 'graceful shutdown timed out');
      exit(1);
    }, options.timeoutMs ?? 30_000);
    timer.unref();
    void (async () => {
      let code = 0;
      for (const c of components) {
        try {
          await c.stop();
        } catch (e) {
          code = 1;
          options.logger?.error({ err: e }, 'error during shutdown');
        }
      }
      clearTimeout(timer);
      exit(code);
    })();
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
