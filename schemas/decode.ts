// The read side shared by the typed serde and the generic decoder: a cache of decode plans by
// writer schema id (filled by the only async step, `prepare`), and the synchronous per-record
// decode that turns every failure into a located `SerdeError`. After `prepare` has seen an id
// once, decoding a record with that id makes no registry call and awaits nothing.

import type avro from 'avsc';
import { type BusError, isBusError } from '../core/errors.js';
import type { RecordContext } from '../core/record.js';
import { type AvroResolver, type AvroSchemaJson, avroTypeOf } from './avro-type.js';
import type { SchemaRegistry } from './registry.js';
import { FRAME_HEADER_BYTES, readFrame, serdeError } from './wire-format.js';

/** Converts between avsc's representation and the one user code sees (e.g. unwrapped unions). */
export interface ValueAdapter<T> {
  toAvro(value: T): unknown;
  fromAvro(value: unknown): T;
  /** Readable form of an avsc field path for error messages. @default path.join('.') */
  displayPath?(path: readonly string[]): string;
}

/** How to decode records written with one schema id. */
export interface DecodePlan<T = unknown> {
  writerId: number;
  writer: avro.Type;
  /** The type whose `decode` reads the body: the reader when resolving, else the writer. */
  reader: avro.Type;
  /** Present when writer and reader differ. */
  resolver: AvroResolver | undefined;
  adapter: ValueAdapter<T> | undefined;
}

/** Builds the plan for a writer schema; throws when the writer cannot be read. */
export type Planner<T> = (writer: avro.Type, writerId: number) => DecodePlan<T>;

export class DecodePlanCache<T> {
  private readonly plans = new Map<number, DecodePlan<T> | Error>();
  private readonly inflight = new Map<number, Promise<void>>();

  constructor(
    private readonly registry: SchemaRegistry,
    private readonly planner: Planner<T>,
    private readonly serde: string,
    private readonly maxBytes: number,
  ) {}

  /** Registers a plan known up front (a serde's own schema id). */
  seed(plan: DecodePlan<T>): void {
    this.plans.set(plan.writerId, plan);
  }

  has(id: number): boolean {
    return this.plans.has(id);
  }

  /** Fetches and plans the writer schema of `bytes` if not known yet. */
  async prepare(bytes: Buffer, ctx?: Partial<RecordContext>): Promise<void> {
    const id = readFrame(bytes, ctx, this.maxBytes, this.serde);
    if (this.plans.has(id)) return;
    let pending = this.inflight.get(id);
    if (!pending) {
      pending = this.load(id).finally(() => this.inflight.delete(id));
      this.inflight.set(id, pending);
    }
    try {
      await pending;
    } catch (e) {
      throw relocate(e, id, ctx, this.serde);
    }
  }

  private async load(id: number): Promise<void> {
    let schema: AvroSchemaJson;
    try {
      schema = await this.registry.getSchemaById(id);
    } catch (e) {
      if (isBusError(e) && e.code === 'SCHEMA_NOT_FOUND') {
        // Not cached: an id missing now may appear after replication; this record is dead-lettered.
        throw serdeError(
          'SERDE_UNKNOWN_SCHEMA',
          `schema id ${id} does not exist in the schema registry`,
          undefined,
          { schemaId: id, serde: this.serde },
          { cause: e },
        );
      }
      throw e; // registry unavailable: retriable SchemaRegistryError
    }
    try {
      this.plans.set(id, this.planner(avroTypeOf(schema), id));
    } catch (e) {
      // Ids are immutable: a writer we cannot read now we can never read. Cache the verdict.
      this.plans.set(
        id,
        serdeError(
          'SERDE_DECODE',
          `writer schema id ${id} cannot be decoded by ${this.serde}: ${(e as Error).message}`,
          undefined,
          { schemaId: id, serde: this.serde },
          { cause: e },
        ),
      );
    }
  }

  /** Decodes one framed record synchronously. */
  decode(bytes: Buffer, ctx: Partial<RecordContext> | undefined): { value: T; plan: DecodePlan<T> } {
    const id = readFrame(bytes, ctx, this.maxBytes, this.serde);
    const plan = this.plans.get(id);
    if (plan === undefined) {
      throw serdeError(
        'SERDE_UNKNOWN_SCHEMA',
        `writer schema id ${id} is not cached yet: await prepare(bytes) first`,
        ctx,
        { schemaId: id, serde: this.serde },
        { retriable: true },
      );
    }
    if (plan instanceof Error) throw relocate(plan, id, ctx, this.serde);
    let decoded: { value: unknown; offset: number };
    try {
      decoded = plan.reader.decode(bytes, FRAME_HEADER_BYTES, plan.resolver);
    } catch (e) {
      throw serdeError(
        'SERDE_DECODE',
        `invalid Avro body for schema id ${id}: ${(e as Error).message}`,
        ctx,
        { schemaId: id, serde: this.serde },
        { cause: e },
      );
    }
    if (decoded.offset < 0) {
      throw serdeError(
        'SERDE_TRUNCATED',
        `Avro body ends early for schema id ${id} (${bytes.length} bytes)`,
        ctx,
        { schemaId: id, serde: this.serde },
      );
    }
    if (decoded.offset !== bytes.length) {
      throw serdeError(
        'SERDE_DECODE',
        `${bytes.length - decoded.offset} trailing bytes after the Avro body for schema id ${id}`,
        ctx,
        { schemaId: id, serde: this.serde },
      );
    }
    if (!plan.adapter) return { value: decoded.value as T, plan };
    try {
      return { value: plan.adapter.fromAvro(decoded.value), plan };
    } catch (e) {
      throw serdeError(
        'SERDE_DECODE',
        `invalid record for schema id ${id}: ${(e as Error).message}`,
        ctx,
        { schemaId: id, serde: this.serde },
        { cause: e },
      );
    }
  }
}

/** The same error located at this record (cached errors were built without a position). */
function relocate(e: unknown, id: number, ctx: Partial<RecordContext> | undefined, serde: string): unknown {
  if (!isBusError(e) || !ctx) return e;
  const Ctor = e.constructor as typeof BusError;
  const bare = e.message.replace(/ \(topic [^)]*\)$/, '');
  return new Ctor(e.code, bare, {
    retriable: e.retriable,
    cause: e.cause ?? e,
    context: { ...e.context, ...locate(ctx), schemaId: id, serde },
  });
}

function locate(ctx: Partial<RecordContext>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (ctx.topic !== undefined) out.topic = ctx.topic;
  if (ctx.partition !== undefined) out.partition = ctx.partition;
  if (ctx.offset !== undefined) out.offset = ctx.offset;
  return out;
}
