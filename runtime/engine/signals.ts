// Graceful shutdown on SIGTERM/SIGINT: stop fetching, finish in-flight work, commit, leave the
// group, close — within a bound, after which the process exits anyway. A second signal exits at
// once. (SIGKILL cannot be caught; at-least-once and exactly-once commits are what make it safe.)

import type { Logger } from '../../core/logger.js';

export interface Stoppable {
  stop(): Promise<void>;
}

export interface ShutdownOptions {
  /** Longest graceful shutdown before exiting anyway, ms. @default 30000 */
  timeoutMs?: number;
  logger?: Logger;
  /** @default process.exit */
  exit?: (code: number) => void;
}

/** Installs SIGTERM/SIGINT handlers that stop every component in order; returns an uninstaller. */
export function stopOnSignals(components: readonly Stoppable[], options: ShutdownOptions = {}): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
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
