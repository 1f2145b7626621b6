// Local Avro compatibility checks. avsc's resolver decides (a reader can read a writer's data iff
// `reader.createResolver(writer)` succeeds); a structural walk then explains *why* not, field by
// field, because registries answer "incompatible" with little more (Apicurio: `is_compatible:
// false`, nothing else) and an engineer needs "field 'fillPrice' was added without a default".

import type avro from 'avsc';
import { type AvroSchemaJson, avroTypeOf } from './avro-type.js';
import { DecimalType } from './logical-types.js';
import type { CompatibilityLevel, CompatibilityReport } from './registry.js';

/** Which way data flows in one check. BACKWARD: new reads old. FORWARD: old reads new. */
type Direction = 'BACKWARD' | 'FORWARD';

/**
 * Checks `candidate` against the previous versions of a subject (oldest first) under `level`.
 *
 * @example
 * checkSchemaCompatibility('BACKWARD', v2, [v1]) // { compatible: false, messages: ["field 'fillPrice' was added without a default: BACKWARD requires new fields to have defaults"] }
 */
export function checkSchemaCompatibility(
  level: CompatibilityLevel,
  candidate: AvroSchemaJson,
  previous: readonly AvroSchemaJson[],
): CompatibilityReport {
  if (level === 'NONE' || previous.length === 0) return { compatible: true, messages: [] };
  const next = avroTypeOf(candidate);
  const against = level.endsWith('_TRANSITIVE') ? previous : previous.slice(-1);
  const directions: Direction[] = level.startsWith('FULL')
    ? ['BACKWARD', 'FORWARD']
    : [level.startsWith('FORWARD') ? 'FORWARD' : 'BACKWARD'];
  const messages: string[] = [];
  for (const [i, old] of against.entries()) {
    const prev = avroTypeOf(old);
    const version = previous.length - against.length + i + 1;
    for (const direction of directions) {
      const [reader, writer] = direction === 'BACKWARD' ? [next, prev] : [prev, next];
      if (canRead(reader, writer)) continue;
      const where = against.length > 1 ? ` (against version ${version})` : '';
      for (const m of explainIncompatibility(reader, writer, direction, level)) messages.push(m + where);
    }
  }
  return { compatible: messages.length === 0, messages: [...new Set(messages)] };
}

/** True when data written with `writer` can be read with `reader`. */
export function canRead(reader: avro.Type, writer: avro.Type): boolean {
  try {
    reader.createResolver(writer);
    return true;
  } catch {
    return false;
  }
}

/** Field-level reasons why `reader` cannot read `writer`'s data, phrased for the rule `level`. */
export function explainIncompatibility(
  reader: avro.Type,
  writer: avro.Type,
  direction: Direction,
  level: CompatibilityLevel = direction,
): string[] {
  const out: string[] = [];
  walk(reader, writer, '', { direction, level, out, seen: new Set() });
  if (out.length === 0) {
    const detail = resolverError(reader, writer);
    out.push(
      `${describe(writer)} data cannot be read as ${describe(reader)}${detail ? ` (${detail})` : ''}: ${requirement(direction, level)}`,
    );
  }
  return out;
}

interface WalkState {
  direction: Direction;
  level: CompatibilityLevel;
  out: string[];
  seen: Set<string>;
}

function walk(reader: avro.Type, writer: avro.Type, path: string, s: WalkState): void {
  if (canRead(reader, writer)) return;
  const key = `${path}|${reader.name}|${writer.name}`;
  if (s.seen.has(key)) return; // recursive schemas
  s.seen.add(key);
  const r = reader.typeName;
  const w = writer.typeName;
  if (r === 'record' && w === 'record') {
    walkRecord(reader as avro.types.RecordType, writer as avro.types.RecordType, path, s);
  } else if (r === 'enum' && w === 'enum' && reader.name === writer.name) {
    walkEnum(reader as avro.types.EnumType, writer as avro.types.EnumType, path, s);
  } else if (r === 'array' && w === 'array') {
    walk(
      (reader as avro.types.ArrayType).itemsType,
      (writer as avro.types.ArrayType).itemsType,
      `${path}[]`,
      s,
    );
  } else if (r === 'map' && w === 'map') {
    walk(
      (reader as avro.types.MapType).valuesType,
      (writer as avro.types.MapType).valuesType,
      `${path}{}`,
      s,
    );
  } else if (w.startsWith('union')) {
    walkWriterUnion(reader, writer as avro.types.WrappedUnionType, path, s);
  } else if (r.startsWith('union') && namesake(reader, writer)) {
    walk(namesake(reader, writer)!, writer, path, s);
  } else {
    const [from, to] = s.direction === 'BACKWARD' ? [writer, reader] : [reader, writer];
    const rule =
      reader instanceof DecimalType && writer instanceof DecimalType
        ? `${s.level} requires the same decimal scale`
        : requirement(s.direction, s.level);
    s.out.push(`field '${path || '(root)'}' changed type from ${describe(from)} to ${describe(to)}: ${rule}`);
  }
}

function walkEnum(
  reader: avro.types.EnumType,
  writer: avro.types.EnumType,
  path: string,
  s: WalkState,
): void {
  const known = new Set(reader.symbols);
  const missing = writer.symbols.filter((x) => !known.has(x));
  const what = s.direction === 'BACKWARD' ? 'dropped' : 'added';
  s.out.push(
    `enum ${reader.name} at '${path || '(root)'}' ${what} symbol(s) ${missing.join(', ')} without an enum default: ${s.level} requires readers to know every symbol written`,
  );
}

function walkWriterUnion(
  reader: avro.Type,
  writer: avro.types.WrappedUnionType,
  path: string,
  s: WalkState,
): void {
  const wrote = s.direction === 'BACKWARD' ? 'the old schema wrote' : 'the new schema writes';
  for (const branch of writer.types) {
    if (canReadAsBranch(reader, branch)) continue;
    // A record of the same name on the reader side: explain field by field (e.g. payload.venue).
    const same = namesake(reader, branch);
    if (same) {
      walk(same, branch, path, s);
      continue;
    }
    s.out.push(
      `field '${path || '(root)'}' cannot take ${describe(branch)} values ${wrote}: ${requirement(s.direction, s.level)}`,
    );
  }
}

function walkRecord(
  reader: avro.types.RecordType,
  writer: avro.types.RecordType,
  path: string,
  s: WalkState,
): void {
  const aliases = (reader as unknown as { aliases?: string[] }).aliases ?? [];
  if (reader.name !== writer.name && !aliases.includes(writer.name ?? '')) {
    s.out.push(
      `record ${writer.name} at '${path || '(root)'}' became ${reader.name} without an alias: ${s.level} requires record names to match`,
    );
    return;
  }
  const writerFields = new Map(writer.fields.map((f) => [f.name, f]));
  for (const f of reader.fields) {
    const fieldPath = path ? `${path}.${f.name}` : f.name;
    const match = [f.name, ...(f.aliases ?? [])].map((n) => writerFields.get(n)).find(Boolean);
    if (!match) {
      if (f.defaultValue() !== undefined) continue;
      s.out.push(
        s.direction === 'BACKWARD'
          ? `field '${fieldPath}' was added without a default: ${s.level} requires new fields to have defaults`
          : `field '${fieldPath}' was removed but has no default in the previous schema: ${s.level} requires removed fields to have defaults`,
      );
      continue;
    }
    walk(f.type, match.type, fieldPath, s);
  }
}

/** The reader type (or reader union branch) with the same name as `writer`, if any. */
function namesake(reader: avro.Type, writer: avro.Type): avro.Type | undefined {
  if (!writer.name) return undefined;
  const candidates = reader.typeName.startsWith('union')
    ? (reader as avro.types.WrappedUnionType).types
    : [reader];
  return candidates.find((t) => t.name === writer.name);
}

function canReadAsBranch(reader: avro.Type, branch: avro.Type): boolean {
  if (!reader.typeName.startsWith('union')) return canRead(reader, branch);
  return (reader as avro.types.WrappedUnionType).types.some((t) => canRead(t, branch));
}

function requirement(direction: Direction, level: CompatibilityLevel): string {
  return direction === 'BACKWARD'
    ? `${level} requires the new schema to read data written with the previous one`
    : `${level} requires the previous schema to read data written with the new one`;
}

function describe(type: avro.Type): string {
  if (type instanceof DecimalType) return `decimal(${type.precision},${type.scale})`;
  if (type.typeName.startsWith('logical:')) return type.typeName.slice('logical:'.length);
  if (type.name) return `${type.typeName} ${type.name}`;
  if (type.typeName.startsWith('union'))
    return `union[${(type as avro.types.WrappedUnionType).types.map(describe).join(', ')}]`;
  return type.typeName;
}

function resolverError(reader: avro.Type, writer: avro.Type): string | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
