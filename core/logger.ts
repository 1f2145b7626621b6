// Structured logging (pino). Components take a `Logger` in their options; nothing logs through
// console in library code.

import { type Logger, pino } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** @default process.env.TMBUS_LOG_LEVEL ?? "info" */
  level?: string;
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({
    name: options.name ?? 'tmbus',
    level: options.level ?? process.env.TMBUS_LOG_LEVEL ?? 'info',
  });
}

/** A logger that discards everything: the default for library components and tests. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
