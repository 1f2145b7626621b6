// A schema registry in process memory, for unit tests, the topology test driver and the
// broker-free demo. It behaves like the real one where the bus depends on it: global ids shared
// by identical schemas, versions per subject, and compatibility enforced on register (BACKWARD by
// default, per subject configurable) with the same field-level messages as the HTTP client.

import { SchemaRegistryError } from '../core/errors.js';
import { type AvroSchemaJson, avroTypeOf, canonicalSchema } from './avro-type.js';
import { checkSchemaCompatibility } from './compatibility.js';
import {
  type CompatibilityLevel,
  type CompatibilityReport,
  DEFAULT_COMPATIBILITY,
  incompatibleSchemaError,
  type RegisteredSchema,
  type SchemaRegistry,
  schemaNotFoundError,
} from './registry.js';

export interface InMemorySchemaRegistryOptions {
  /** Level of subjects without their own. @default "BACKWARD" */
  defaultCompatibility?: CompatibilityLevel;
  /** First id handed out; start high to catch code that assumes small ids. @default 1 */
  firstId?: number;
}

interface Subject {
  /** Schema ids, version n at index n - 1. */
  versions: number[];
  compatibility?: CompatibilityLevel;
}

/**
 * A `SchemaRegistry` held in memory.
 *
 * @example
 * const registry = new InMemorySchemaRegistry();
 * const serde = await familySerde(registry, 'OrderEvent');
 */
export class InMemorySchemaRegistry implements SchemaRegistry {
  private readonly schemas = new Map<number, AvroSchemaJson>();
  private readonly idByCanonical = new Map<string, number>();
  private readonly subjects = new Map<string, Subject>();
  private defaultCompatibility: CompatibilityLevel;
  private nextId: number;
  /** Calls made, by method name: lets tests prove the per-record path never reaches the registry. */
  readonly calls = new Map<string, number>();

  constructor(options: InMemorySchemaRegistryOptions = {}) {
    this.defaultCompatibility = options.defaultCompatibility ?? DEFAULT_COMPATIBILITY;
    this.nextId = options.firstId ?? 1;
  }

  async register(subject: string, schema: AvroSchemaJson): Promise<number> {
    this.count('register');
    const canonical = this.validate(subject, schema);
    const existing = this.versionsOf(subject).find((id) => this.idByCanonical.get(canonical) === id);
    if (existing !== undefined) return existing;
    const level = await this.getCompatibility(subject);
    const report = checkSchemaCompatibility(level, schema, this.previous(subject));
    if (!report.compatible) throw incompatibleSchemaError(subject, level, report.messages);
    let id = this.idByCanonical.get(canonical);
    if (id === undefined) {
      id = this.nextId++;
      this.idByCanonical.set(canonical, id);
      this.schemas.set(id, structuredClone(schema));
    }
    const entry = this.subjects.get(subject) ?? { versions: [] };
    entry.versions.push(id);
    this.subjects.set(subject, entry);
    return id;
  }

  async lookupId(subject: string, schema: AvroSchemaJson): Promise<number | undefined> {
    this.count('lookupId');
    const id = this.idByCanonical.get(canonicalSchema(schema));
    return id !== undefined && this.versionsOf(subject).includes(id) ? id : undefined;
  }

  async getSchemaById(id: number): Promise<AvroSchemaJson> {
    this.count('getSchemaById');
    const schema = this.schemas.get(id);
    if (schema === undefined) throw schemaNotFoundError(`schema id ${id}`, { schemaId: id });
    return structuredClone(schema);
  }

  async getLatest(subject: string): Promise<RegisteredSchema> {
    this.count('getLatest');
    const versions = this.versionsOf(subject);
    const id = versions[versions.length - 1];
    if (id === undefined) throw schemaNotFoundError(`subject '${subject}'`, { subject });
    return { id, version: versions.length, schema: structuredClone(this.schemas.get(id)!) };
  }

  async checkCompatibility(subject: string, schema: AvroSchemaJson): Promise<CompatibilityReport> {
    this.count('checkCompatibility');
    this.validate(subject, schema);
    return checkSchemaCompatibility(await this.getCompatibility(subject), schema, this.previous(subject));
  }

  async setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    this.count('setCompatibility');
    const entry = this.subjects.get(subject) ?? { versions: [] };
    entry.compatibility = level;
    this.subjects.set(subject, entry);
  }

  async getCompatibility(subject: string): Promise<CompatibilityLevel> {
    return this.subjects.get(subject)?.compatibility ?? this.defaultCompatibility;
  }

  /** Sets the registry-wide level used by subjects without their own. */
  setDefaultCompatibility(level: CompatibilityLevel): void {
    this.defaultCompatibility = level;
  }

  async listSubjects(): Promise<string[]> {
    this.count('listSubjects');
    return [...this.subjects]
      .filter(([, s]) => s.versions.length > 0)
      .map(([name]) => name)
      .sort();
  }

  private versionsOf(subject: string): number[] {
    return this.subjects.get(subject)?.versions ?? [];
  }

  private previous(subject: string): AvroSchemaJson[] {
    return this.versionsOf(subject).map((id) => this.schemas.get(id)!);
  }

  /** Refuses a schema avsc cannot parse, as a real registry answers 422. */
  private validate(subject: string, schema: AvroSchemaJson): string {
    try {
      avroTypeOf(schema);
    } catch (e) {
      throw new SchemaRegistryError(
        'SCHEMA_REGISTRY_REQUEST',
        `invalid Avro schema for subject '${subject}': ${(e as Error).message}`,
        {
          cause: e,
          context: { subject },
        },
      );
    }
    return canonicalSchema(schema);
  }

  private count(method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
  }
}
