// The schema registry client for the Confluent REST API (Confluent, Apicurio 3 `ccompat/v7`,
// Redpanda, Karapace). Plain `fetch` rather than @kafkajs/confluent-schema-registry: the bus needs
// the compatibility and config endpoints, typed errors with `retriable`, and the project's one
// retry primitive and circuit breaker around every call, none of which that client exposes.
// Ids are immutable, so schemas by id and ids by (subject, schema) are cached for good.

import { z } from 'zod';
import { parseConfig } from '../core/config.js';
import { isBusError, SchemaRegistryError } from '../core/errors.js';
import { type Logger, silentLogger } from '../core/logger.js';
import type { BreakerOptions, RetryOptions } from '../core/retry.js';
import { type AvroSchemaJson, canonicalSchema } from './avro-type.js';
import { checkSchemaCompatibility as checkLocally } from './compatibility.js';
import {
  COMPATIBILITY_LEVELS,
  type CompatibilityLevel,
  type CompatibilityReport,
  DEFAULT_COMPATIBILITY,
  incompatibleSchemaError,
  isCompatibilityLevel,
  type RegisteredSchema,
  type SchemaRegistry,
} from './registry.js';
import type { RegistryRequest } from './registry-request.js';
import { RegistryTransport } from './registry-transport.js';

const optionsSchema = z.object({
  url: z.url(),
  timeoutMs: z.number().int().positive().default(10_000),
  defaultCompatibility: z.enum(COMPATIBILITY_LEVELS).nullable().default(DEFAULT_COMPATIBILITY),
  auth: z.object({ username: z.string(), password: z.string() }).optional(),
  headers: z.record(z.string(), z.string()).default({}),
});

export interface HttpSchemaRegistryOptions {
  /**
   * Base URL of the Confluent-compatible API.
   * @example "http://127.0.0.1:18081/apis/ccompat/v7"
   */
  url: string;
  /** Per-request timeout, ms. @default 10000 */
  timeoutMs?: number;
  /**
   * Level set on a subject the first time the bus registers to it, if the subject has no level of
   * its own (Apicurio's global default is NONE). `null` leaves the registry's default alone.
   * @default "BACKWARD"
   */
  defaultCompatibility?: CompatibilityLevel | null;
  /** HTTP basic auth. */
  auth?: { username: string; password: string };
  /** Extra request headers. @default {} */
  headers?: Record<string, string>;
  /** Retries of retriable failures (network, timeout, 5xx). @default { retries: 3, initialDelayMs: 200 } */
  retry?: RetryOptions;
  /** Circuit breaker around the registry. @default { consecutiveFailures: 5, halfOpenAfterMs: 10000 } */
  breaker?: BreakerOptions;
  /** @default silent */
  logger?: Logger;
  /** Injected for tests of failure handling. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * A `SchemaRegistry` over HTTP.
 *
 * @example
 * const registry = new HttpSchemaRegistry({ url: config.registry.url });
 * const id = await registry.register('tm.orders-value', FAMILY_SCHEMAS.OrderEvent);
 */
export class HttpSchemaRegistry implements SchemaRegistry {
  readonly url: string;
  private readonly options: z.infer<typeof optionsSchema>;
  private readonly transport: RegistryTransport;
  private readonly logger: Logger;
  private readonly schemaById = new Map<number, Promise<AvroSchemaJson>>();
  private readonly idBySubjectSchema = new Map<string, number>();

  constructor(options: HttpSchemaRegistryOptions) {
    this.options = parseConfig(
      optionsSchema,
      { ...options, retry: undefined, breaker: undefined, logger: undefined, fetch: undefined },
      'schema registry options',
    );
    this.url = this.options.url.replace(/\/+$/, '');
    this.logger = options.logger ?? silentLogger();
    this.transport = new RegistryTransport({
      url: this.url,
      connection: this.options,
      retry: { retries: 3, initialDelayMs: 200, ...options.retry },
      breaker: options.breaker,
      logger: this.logger,
      fetch: options.fetch ?? globalThis.fetch,
    });
  }

  private call<T>(req: RegistryRequest): Promise<T> {
    return this.transport.call<T>(req);
  }

  async register(subject: string, schema: AvroSchemaJson): Promise<number> {
    const key = `${subject}\u0000${canonicalSchema(schema)}`;
    const cached = this.idBySubjectSchema.get(key);
    if (cached !== undefined) return cached;
    const existing = await this.lookupId(subject, schema);
    if (existing !== undefined) return existing;
    const isNewSubject = (await this.versionIds(subject)).length === 0;
    if (isNewSubject) {
      await this.applyDefaultCompatibility(subject);
    } else {
      const report = await this.checkCompatibility(subject, schema);
      if (!report.compatible)
        throw incompatibleSchemaError(subject, await this.getCompatibility(subject), report.messages);
    }
    try {
      const { id } = await this.call<{ id: number }>({
        method: 'POST',
        path: `/subjects/${enc(subject)}/versions`,
        body: { schema: JSON.stringify(schema) },
        context: { subject },
      });
      this.idBySubjectSchema.set(key, id);
      return id;
    } catch (e) {
      // Lost a race with another registration, or the registry is stricter than its check endpoint.
      if (isBusError(e) && e.code === 'SCHEMA_INCOMPATIBLE') {
        const level = await this.getCompatibility(subject);
        const local = checkLocally(level, schema, await this.previousSchemas(subject, level));
        throw incompatibleSchemaError(subject, level, [...local.messages, e.message], e);
      }
      throw e;
    }
  }

  async lookupId(subject: string, schema: AvroSchemaJson): Promise<number | undefined> {
    try {
      const { id } = await this.call<{ id: number }>({
        method: 'POST',
        path: `/subjects/${enc(subject)}`,
        body: { schema: JSON.stringify(schema) },
        context: { subject },
      });
      this.idBySubjectSchema.set(`${subject}\u0000${canonicalSchema(schema)}`, id);
      return id;
    } catch (e) {
      if (isBusError(e) && e.code === 'SCHEMA_NOT_FOUND') return undefined;
      throw e;
    }
  }

  getSchemaById(id: number): Promise<AvroSchemaJson> {
    let pending = this.schemaById.get(id);
    if (!pending) {
      pending = this.call<{ schema: string; schemaType?: string }>({
        method: 'GET',
        path: `/schemas/ids/${id}`,
        context: { schemaId: id },
      }).then((res) => {
        if (res.schemaType && res.schemaType !== 'AVRO') {
          throw new SchemaRegistryError(
            'SCHEMA_REGISTRY_REQUEST',
            `schema id ${id} is ${res.schemaType}, not Avro`,
            { context: { schemaId: id } },
          );
        }
        return JSON.parse(res.schema) as AvroSchemaJson;
      });
      // Cache successes for good; forget failures so a later call can try again.
      pending.catch(() => this.schemaById.delete(id));
      this.schemaById.set(id, pending);
    }
    return pending;
  }

  async getLatest(subject: string): Promise<RegisteredSchema> {
    const res = await this.call<{ id: number; version: number; schema: string }>({
      method: 'GET',
      path: `/subjects/${enc(subject)}/versions/latest`,
      context: { subject },
    });
    return { id: res.id, version: res.version, schema: JSON.parse(res.schema) as AvroSchemaJson };
  }

  async checkCompatibility(subject: string, schema: AvroSchemaJson): Promise<CompatibilityReport> {
    const level = await this.getCompatibility(subject);
    // Apicurio answers is_compatible=false under NONE; NONE means anything goes.
    if (level === 'NONE' || (await this.versionIds(subject)).length === 0)
      return { compatible: true, messages: [] };
    const path = `/compatibility/subjects/${enc(subject)}/versions${level.endsWith('_TRANSITIVE') ? '' : '/latest'}?verbose=true`;
    const res = await this.call<{ is_compatible: boolean; messages?: unknown[] }>({
      method: 'POST',
      path,
      body: { schema: JSON.stringify(schema) },
      context: { subject },
    });
    if (res.is_compatible) return { compatible: true, messages: [] };
    const local = checkLocally(level, schema, await this.previousSchemas(subject, level));
    const remote = (res.messages ?? []).map(String);
    return { compatible: false, messages: [...local.messages, ...remote] };
  }

  async setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    await this.call({
      method: 'PUT',
      path: `/config/${enc(subject)}`,
      body: { compatibility: level },
      context: { subject },
    });
  }

  async getCompatibility(subject: string): Promise<CompatibilityLevel> {
    const own = await this.subjectLevel(subject);
    if (own) return own;
    const global = await this.call<{ compatibilityLevel?: string }>({ method: 'GET', path: '/config' });
    return isCompatibilityLevel(global.compatibilityLevel)
      ? global.compatibilityLevel
      : DEFAULT_COMPATIBILITY;
  }

  async listSubjects(): Promise<string[]> {
    return (await this.call<string[]>({ method: 'GET', path: '/subjects' })).sort();
  }

  private async subjectLevel(subject: string): Promise<CompatibilityLevel | undefined> {
    try {
      const res = await this.call<{ compatibilityLevel?: string }>({
        method: 'GET',
        path: `/config/${enc(subject)}`,
        context: { subject },
      });
      return isCompatibilityLevel(res.compatibilityLevel) ? res.compatibilityLevel : undefined;
    } catch (e) {
      if (isBusError(e) && e.code === 'SCHEMA_NOT_FOUND') return undefined;
      throw e;
    }
  }

  private async applyDefaultCompatibility(subject: string): Promise<void> {
    const level = this.options.defaultCompatibility;
    if (level === null || (await this.subjectLevel(subject)) !== undefined) return;
    this.logger.debug({ subject, level }, 'setting compatibility of new subject');
    try {
      await this.setCompatibility(subject, level);
    } catch (e) {
      // Another process registering the same new subject set it first (Apicurio answers 409 "rule
      // already exists"): the subject has its level, which is all this step is for.
      if (
        isBusError(e) &&
        e.code === 'SCHEMA_INCOMPATIBLE' &&
        (await this.subjectLevel(subject)) !== undefined
      )
        return;
      throw e;
    }
  }

  private async versionIds(subject: string): Promise<number[]> {
    try {
      return await this.call<number[]>({
        method: 'GET',
        path: `/subjects/${enc(subject)}/versions`,
        context: { subject },
      });
    } catch (e) {
      if (isBusError(e) && e.code === 'SCHEMA_NOT_FOUND') return [];
      throw e;
    }
  }

  /** The versions a check under `level` compares against, oldest first. */
  private async previousSchemas(subject: string, level: CompatibilityLevel): Promise<AvroSchemaJson[]> {
    const versions = await this.versionIds(subject);
    const wanted = level.endsWith('_TRANSITIVE') ? versions : versions.slice(-1);
    const out: AvroSchemaJson[] = [];
    for (const v of wanted) {
      const res = await this.call<{ schema: string }>({
        method: 'GET',
        path: `/subjects/${enc(subject)}/versions/${v}`,
        context: { subject },
      });
      out.push(JSON.parse(res.schema) as AvroSchemaJson);
    }
    return out;
  }
}

function enc(subject: string): string {
  return encodeURIComponent(subject);
}
