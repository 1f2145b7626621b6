// Builds the avsc `Type`s the bus encodes and decodes with: our logical types (decimal, uuid),
// plain record objects, and array/map readers hardened against hostile bytes. avsc trusts the
// block counts it reads, so a random `0xfe 0xff 0xff 0x0f` in front of an array makes it allocate
// or loop billions of times; a dead-letter pipeline must survive any bytes, so every array and
// map of every Type built here checks its block count against the bytes left (see `harden`).

import avro from 'avsc';
import './avro-strings.js';
import { LOGICAL_TYPES } from './logical-types.js';

/** An Avro schema as JSON: a type name, a complex type object, or a union array. */
export type AvroSchemaJson = string | AvroSchemaObject | readonly AvroSchemaJson[];

/** A complex Avro type (`record`, `enum`, `array`, `map`, `fixed`) or an annotated primitive. */
export interface AvroSchemaObject {
  readonly type: AvroSchemaJson;
  readonly [attribute: string]: unknown;
}

export type AvroType = avro.Type;
/** What `reader.createResolver(writer)` returns: reads writer data as the reader's shape. */
export type AvroResolver = ReturnType<avro.Type['createResolver']>;

/**
 * Zero-size items (null, empty records) let a legal block hold more items than bytes remain; allow
 * that up to this many items per block, never more.
 */
const ZERO_SIZE_ITEMS_PER_BLOCK = 1024;

interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  readString(): string | undefined;
  skipString(): void;
}

interface ContainerType {
  itemsType?: InternalType;
  valuesType?: InternalType;
}

interface InternalType {
  _read(tap: Tap): unknown;
  _skip(tap: Tap): void;
}

const typeCache = new Map<string, avro.Type>();

/**
 * Parses a schema into a hardened avsc Type with the bus's logical types. Cached by canonical JSON,
 * so building many serdes over one schema parses it once.
 *
 * @example
 * const type = avroTypeOf(FAMILY_SCHEMAS.OrderEvent);
 * type.isValid(value, { errorHook: (path) => console.log(path.join('.')) });
 */
export function avroTypeOf(schema: AvroSchemaJson | avro.Type): avro.Type {
  const json = isAvroType(schema) ? (schema.schema({ exportAttrs: true }) as AvroSchemaJson) : schema;
  const key = canonicalSchema(json);
  let type = typeCache.get(key);
  if (!type) {
    type = avro.Type.forSchema(json as avro.Schema, {
      logicalTypes: LOGICAL_TYPES,
      omitRecordMethods: true,
      wrapUnions: 'auto',
      typeHook: hardenedContainer,
    });
    typeCache.set(key, type);
  }
  return type;
}

/** True for an avsc Type (from any copy of avsc, hence no `instanceof`). */
export function isAvroType(value: unknown): value is avro.Type {
  return avro.Type.isType(value);
}

/** Stable text of a schema: object keys sorted, whitespace dropped. Equal text ⇒ same schema. */
export function canonicalSchema(schema: unknown): string {
  return JSON.stringify(schema, (_key, value: unknown) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) sorted[k] = (value as Record<string, unknown>)[k];
    return sorted;
  });
}

/** Full name of a named schema (record, enum, fixed) or undefined. */
export function schemaName(schema: AvroSchemaJson | avro.Type): string | undefined {
  return avroTypeOf(schema).name;
}

function checkBlockCount(n: number, tap: Tap): void {
  const remaining = tap.buf.length - tap.pos;
  if (!Number.isSafeInteger(n) || n > Math.max(remaining, ZERO_SIZE_ITEMS_PER_BLOCK)) {
    throw new Error(`block of ${n} items cannot fit in the ${Math.max(remaining, 0)} bytes left`);
  }
}

function overran(tap: Tap): boolean {
  return tap.pos > tap.buf.length;
}

function readArray(this: ContainerType, tap: Tap): unknown[] {
  const items = this.itemsType!;
  const out: unknown[] = [];
  for (let n = tap.readLong(); n !== 0 && !overran(tap); n = tap.readLong()) {
    if (n < 0) {
      n = -n;
      tap.skipLong(); // block size in bytes, only useful for skipping
    }
    checkBlockCount(n, tap);
    while (n-- > 0 && !overran(tap)) out.push(items._read(tap));
  }
  return out;
}

function readMap(this: ContainerType, tap: Tap): Record<string, unknown> {
  const values = this.valuesType!;
  const out: Record<string, unknown> = {};
  for (let n = tap.readLong(); n !== 0 && !overran(tap); n = tap.readLong()) {
    if (n < 0) {
      n = -n;
      tap.skipLong();
    }
    checkBlockCount(n, tap);
    while (n-- > 0 && !overran(tap)) {
      const key = tap.readString() ?? '';
      // defineProperty so a "__proto__" key is data, never the object's prototype.
      Object.defineProperty(out, key, {
        value: values._read(tap),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return out;
}

function skipBlocks(this: ContainerType, tap: Tap): void {
  const isMap = this.valuesType !== undefined;
  const inner = (isMap ? this.valuesType : this.itemsType)!;
  for (let n = tap.readLong(); n !== 0 && !overran(tap); n = tap.readLong()) {
    if (n < 0) {
      const size = tap.readLong();
      // A negative size would move the tap backwards and loop forever.
      if (size < 0) {
        tap.pos = tap.buf.length + 1;
        return;
      }
      tap.pos += size;
      continue;
    }
    checkBlockCount(n, tap);
    while (n-- > 0 && !overran(tap)) {
      if (isMap) tap.skipString();
      inner._skip(tap);
    }
  }
}

/** avsc's array type with bounded block readers. */
class HardenedArrayType extends avro.types.ArrayType {}
Object.assign(HardenedArrayType.prototype, { _read: readArray, _skip: skipBlocks });

/** avsc's map type with bounded block readers. */
class HardenedMapType extends avro.types.MapType {}
Object.assign(HardenedMapType.prototype, { _read: readMap, _skip: skipBlocks });

/**
 * avsc `typeHook`: builds arrays and maps as the hardened subclasses. avsc freezes its types, so
 * this is the one place to swap their readers; resolvers built later (`resolver._read =
 * this._read`) inherit them from the prototype.
 */
function hardenedContainer(schema: avro.Schema, opts: unknown): avro.Type | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema) || avro.Type.isType(schema))
    return undefined;
  const kind = (schema as { type?: unknown }).type;
  if (kind === 'array') return new HardenedArrayType(schema, opts);
  if (kind === 'map') return new HardenedMapType(schema, opts);
  return undefined;
}
