// The write side: Avro-encode a value straight behind a Confluent frame header in one reused
// scratch buffer, then copy out exactly the bytes written (one allocation per record). A value
// avsc refuses is re-checked with `isValid` and an error hook, so the `SERDE_ENCODE` error names
// every bad field path and what it expected instead of avsc's bare "invalid string: undefined".

import type avro from 'avsc';
import type { RecordContext } from '../core/record.js';
import type { ValueAdapter } from './decode.js';
import { logicalTypeProblem } from './logical-types.js';
import { FRAME_HEADER_BYTES, serdeError, writeFrameHeader } from './wire-format.js';

let scratch = Buffer.allocUnsafe(64 * 1024);

export interface EncodeTarget<T> {
  type: avro.Type;
  schemaId: number;
  serde: string;
  maxBytes: number;
  adapter?: ValueAdapter<T> | undefined;
}

/** Encodes `value` as a Confluent-framed Avro record. Throws `SERDE_ENCODE` or `SERDE_OVERSIZE`. */
export function encodeFramed<T>(
  target: EncodeTarget<T>,
  value: T,
  ctx: Partial<RecordContext> | undefined,
): Buffer {
  let avroValue: unknown;
  try {
    avroValue = target.adapter ? target.adapter.toAvro(value) : value;
  } catch (e) {
    throw serdeError(
      'SERDE_ENCODE',
      `cannot encode ${target.serde}: ${(e as Error).message}`,
      ctx,
      { serde: target.serde, schemaId: target.schemaId },
      { cause: e },
    );
  }
  let end: number;
  try {
    end = target.type.encode(avroValue, scratch, FRAME_HEADER_BYTES);
    if (end < 0) {
      // Too small: avsc reports how many bytes were missing; grow and write again.
      scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end));
      end = target.type.encode(avroValue, scratch, FRAME_HEADER_BYTES);
    }
  } catch (e) {
    throw invalidValue(target, avroValue, ctx, e);
  }
  if (end < 0) throw invalidValue(target, avroValue, ctx, new Error('encoder overran its buffer'));
  if (end > target.maxBytes) {
    throw serdeError(
      'SERDE_OVERSIZE',
      `encoded ${target.serde} record of ${end} bytes exceeds the limit of ${target.maxBytes}`,
      ctx,
      { serde: target.serde, schemaId: target.schemaId },
    );
  }
  const out = Buffer.allocUnsafe(end);
  scratch.copy(out, 0, 0, end);
  writeFrameHeader(out, target.schemaId);
  return out;
}

/** A `SERDE_ENCODE` error naming each invalid field path, what it expected and what it got. */
function invalidValue<T>(
  target: EncodeTarget<T>,
  value: unknown,
  ctx: Partial<RecordContext> | undefined,
  cause: unknown,
) {
  const problems: { path: string; text: string }[] = [];
  target.type.isValid(value, {
    errorHook: (path: string[], got: unknown, type: avro.Type) => {
      const display = target.adapter?.displayPath ? target.adapter.displayPath(path) : path.join('.');
      const why = logicalTypeProblem(type, got);
      problems.push({
        path: display || '(root)',
        text: `${display || '(root)'}: expected ${expected(type)}, got ${show(got)}${why ? ` (${why})` : ''}`,
      });
    },
  });
  const detail = problems.length > 0 ? problems.map((p) => p.text).join('; ') : (cause as Error).message;
  return serdeError(
    'SERDE_ENCODE',
    `cannot encode ${target.serde}: ${detail}`,
    ctx,
    { serde: target.serde, schemaId: target.schemaId, field: problems[0]?.path },
    { cause },
  );
}

function expected(type: avro.Type): string {
  const t = type as avro.Type & { precision?: number; scale?: number; symbols?: string[] };
  if (t.typeName === 'logical:decimal') return `decimal(${t.precision},${t.scale}) string`;
  if (t.typeName === 'logical:uuid') return 'UUID string';
  if (t.typeName === 'enum') return `one of ${t.symbols!.join('|')}`;
  if (t.typeName.startsWith('union'))
    return (t as unknown as avro.types.WrappedUnionType).types
      .map((b) => b.branchName ?? b.typeName)
      .join(' | ');
  return t.name ?? t.typeName;
}

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${value}n`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
