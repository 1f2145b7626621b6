// The one errors module of the bus. Every failure a user can see is a `BusError` with a stable
// `code`, a `retriable` flag, an optional `cause`, and the context that locates it (topic,
// partition, offset, stage, channel, …). Build-time topology problems are `TopologyError`s;
// configuration problems are `ConfigError`s and are raised once, at start-up.

/** Every error code the bus raises. Codes are stable API: alert on them, branch on them. */
export const ERROR_CODES = [
  // configuration and build time
  'CONFIG_INVALID',
  'TOPOLOGY_INVALID',
  // schemas and serdes
  'SERDE_MAGIC_BYTE',
  'SERDE_TRUNCATED',
  'SERDE_UNKNOWN_SCHEMA',
  'SERDE_DECODE',
  'SERDE_ENCODE',
  'SERDE_OVERSIZE',
  'SCHEMA_NOT_FOUND',
  'SCHEMA_INCOMPATIBLE',
  'SCHEMA_REGISTRY_UNAVAILABLE',
  'SCHEMA_REGISTRY_REQUEST',
  // runtime
  'KAFKA_CONNECTION',
  'KAFKA_PRODUCE',
  'KAFKA_CONSUME',
  'KAFKA_ADMIN',
  'KAFKA_TRANSACTION',
  'TOPIC_CONFLICT',
  'PROCESSING_FAILED',
  'STORE_FAILED',
  'CIRCUIT_OPEN',
  'TIMEOUT',
  'SHUTDOWN',
  // gateway
  'AUTH_INVALID_TOKEN',
  'AUTH_EXPIRED',
  'AUTH_FORBIDDEN',
  'RATE_LIMITED',
  'CONNECTION_LIMIT',
  'PAYLOAD_TOO_LARGE',
  'BAD_REQUEST',
  'RESUME_GAP',
  'SESSION_REVOKED',
] as const;

/** Union of every error code. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Where an error happened. All fields optional: fill in what is known. */
export interface ErrorContext {
  topic?: string;
  partition?: number;
  offset?: string | number;
  stage?: string;
  store?: string;
  subject?: string;
  schemaId?: number;
  channel?: string;
  userId?: string;
  key?: string;
  /** Configuration key (dotted path) for `CONFIG_INVALID`. */
  configKey?: string;
  [extra: string]: unknown;
}

export interface BusErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  context?: ErrorContext;
}

/**
 * Base class of every error the bus raises.
 *
 * @example
 * try { serde.decode(bytes, { topic, partition, offset }) }
 * catch (e) { if (isBusError(e) && e.code === 'SERDE_UNKNOWN_SCHEMA') deadLetter(e) }
 */
export class BusError extends Error {
  readonly code: ErrorCode;
  /** True when the same operation may succeed if tried again (broker down, timeout, …). */
  readonly retriable: boolean;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, options: BusErrorOptions = {}) {
    super(
      withContext(message, options.context),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.context = options.context ?? {};
  }

  /** A plain object for logs and dead-letter headers. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retriable: this.retriable,
      context: this.context,
      cause: this.cause instanceof Error ? this.cause.message : this.cause,
    };
  }
}

function withContext(message: string, context: ErrorContext | undefined): string {
  if (!context) return message;
  const where: string[] = [];
  if (context.stage !== undefined) where.push(`stage ${context.stage}`);
  if (context.topic !== undefined) {
    let at = `topic ${context.topic}`;
    if (context.partition !== undefined) at += `[${context.partition}]`;
    if (context.offset !== undefined) at += `@${context.offset}`;
    where.push(at);
  }
  if (context.channel !== undefined) where.push(`channel ${context.channel}`);
  return where.length === 0 ? message : `${message} (${where.join(', ')})`;
}

/** Invalid configuration, raised at start-up. Names the key and what is accepted. */
export class ConfigError extends BusError {
  constructor(message: string, options: BusErrorOptions = {}) {
    super('CONFIG_INVALID', message, options);
  }
}

/** An invalid topology definition, raised by the DSL call or by `build()`; names the stage. */
export class TopologyError extends BusError {
  constructor(message: string, options: BusErrorOptions = {}) {
    super('TOPOLOGY_INVALID', message, options);
  }
}

/** Bytes that could not be decoded, or a value that could not be encoded. */
export class SerdeError extends BusError {}

/** Talking to the schema registry failed, or it refused a schema. */
export class SchemaRegistryError extends BusError {}

/** A Kafka client, producer, consumer or admin operation failed. */
export class KafkaError extends BusError {}

/** A stage threw while processing a record. */
export class ProcessingError extends BusError {
  constructor(message: string, options: BusErrorOptions = {}) {
    super('PROCESSING_FAILED', message, options);
  }
}

/** A refusal by the gateway: bad token, forbidden channel, flood, oversize payload, … */
export class GatewayError extends BusError {}

export function isBusError(e: unknown): e is BusError {
  return e instanceof BusError;
}

/** Normalises anything thrown into a message, for logs and headers. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : JSON.stringify(e);
}
