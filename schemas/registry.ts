// The schema registry contract the bus codes against, and its shared vocabulary (compatibility
// levels, reports, errors). Two implementations: `HttpSchemaRegistry` speaks the Confluent REST
// API (Confluent, Apicurio's ccompat, Redpanda, Karapace); `InMemorySchemaRegistry` backs unit
// tests and the broker-free demo and enforces compatibility the same way.

import { SchemaRegistryError } from '../core/errors.js';
import type { AvroSchemaJson } from './avro-type.js';

/** Compatibility levels of the Confluent API. */
export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;

export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/** The level the bus asks for when a subject has none of its own (SPEC §3). */
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

export function isCompatibilityLevel(value: unknown): value is CompatibilityLevel {
  return typeof value === 'string' && (COMPATIBILITY_LEVELS as readonly string[]).includes(value);
}

/** Outcome of a compatibility check. `messages` name the field and the rule when incompatible. */
export interface CompatibilityReport {
  compatible: boolean;
  messages: string[];
}

/** A schema as registered under a subject. */
export interface RegisteredSchema {
  id: number;
  version: number;
  schema: AvroSchemaJson;
}

/**
 * A Confluent-compatible schema registry.
 *
 * Errors are `SchemaRegistryError`s: `SCHEMA_NOT_FOUND` (unknown subject or id),
 * `SCHEMA_INCOMPATIBLE` (refused change; the message names the field and the rule),
 * `SCHEMA_REGISTRY_REQUEST` (invalid request, not retriable) and `SCHEMA_REGISTRY_UNAVAILABLE`
 * (network, timeout, 5xx, open circuit; `retriable: true`).
 */
export interface SchemaRegistry {
  /**
   * Registers `schema` under `subject` after checking it against the subject's compatibility level;
   * returns its global id. Registering a schema already present returns the existing id.
   */
  register(subject: string, schema: AvroSchemaJson): Promise<number>;
  /** The id of `schema` if it is registered under `subject`, else undefined. */
  lookupId(subject: string, schema: AvroSchemaJson): Promise<number | undefined>;
  getSchemaById(id: number): Promise<AvroSchemaJson>;
  getLatest(subject: string): Promise<RegisteredSchema>;
  /** Checks `schema` against the subject's level; compatible when the subject has no versions yet. */
  checkCompatibility(subject: string, schema: AvroSchemaJson): Promise<CompatibilityReport>;
  setCompatibility(subject: string, level: CompatibilityLevel): Promise<void>;
  /** The subject's level, falling back to the registry-wide level. */
  getCompatibility(subject: string): Promise<CompatibilityLevel>;
  listSubjects(): Promise<string[]>;
}

/** The error a refused schema change raises: `SCHEMA_INCOMPATIBLE`, messages in the text. */
export function incompatibleSchemaError(
  subject: string,
  level: CompatibilityLevel,
  messages: readonly string[],
  cause?: unknown,
): SchemaRegistryError {
  const reasons = messages.length > 0 ? messages.join('; ') : `the registry refused it under ${level}`;
  return new SchemaRegistryError(
    'SCHEMA_INCOMPATIBLE',
    `schema for subject '${subject}' is incompatible: ${reasons}`,
    {
      retriable: false,
      cause,
      context: { subject, compatibility: level, reasons: [...messages] },
    },
  );
}

/** The error for an unknown subject, version or id. */
export function schemaNotFoundError(
  what: string,
  context: { subject?: string; schemaId?: number },
): SchemaRegistryError {
  return new SchemaRegistryError('SCHEMA_NOT_FOUND', `${what} not found in the schema registry`, {
    retriable: false,
    context,
  });
}
