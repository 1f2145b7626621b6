// The Confluent wire format: byte 0 is the magic byte 0, bytes 1–4 the big-endian schema id of
// the writer schema, then the Avro binary body. This module frames and unframes, and turns every
// way a frame can be wrong into a `SerdeError` that says where the record sits (SPEC §6), so the
// runtime can dead-letter it and move on.

import { type ErrorCode, SerdeError } from '../core/errors.js';
import type { RecordContext } from '../core/record.js';

export const MAGIC_BYTE = 0;
/** Magic byte plus 4-byte schema id. */
export const FRAME_HEADER_BYTES = 5;
/** Kafka's default `message.max.bytes`: a larger value could not have been produced anyway. */
export const DEFAULT_MAX_RECORD_BYTES = 1_048_588;

/** Context a serde error carries beyond the record position. */
export interface SerdeErrorDetail {
  schemaId?: number;
  serde?: string;
  /** Dotted path of the offending field (encode errors). */
  field?: string;
}

/** A `SerdeError` located at `ctx`. */
export function serdeError(
  code: ErrorCode,
  message: string,
  ctx: Partial<RecordContext> | undefined,
  detail: SerdeErrorDetail = {},
  options: { retriable?: boolean; cause?: unknown } = {},
): SerdeError {
  const context: Record<string, unknown> = { ...detail };
  if (ctx?.topic !== undefined) context.topic = ctx.topic;
  if (ctx?.partition !== undefined) context.partition = ctx.partition;
  if (ctx?.offset !== undefined) context.offset = ctx.offset;
  return new SerdeError(code, message, {
    retriable: options.retriable ?? false,
    cause: options.cause,
    context,
  });
}

/**
 * Checks the frame and returns the writer schema id. Throws `SERDE_OVERSIZE`, `SERDE_TRUNCATED`
 * or `SERDE_MAGIC_BYTE` (never retriable: the bytes will not get better).
 */
export function readFrame(
  bytes: Buffer,
  ctx: Partial<RecordContext> | undefined,
  maxBytes: number,
  serde?: string,
): number {
  if (!Buffer.isBuffer(bytes)) {
    const got = bytes === null ? 'null (a tombstone?)' : typeof bytes;
    throw serdeError('SERDE_DECODE', `expected a Buffer, got ${got}`, ctx, { serde });
  }
  if (bytes.length > maxBytes) {
    throw serdeError(
      'SERDE_OVERSIZE',
      `record of ${bytes.length} bytes exceeds the limit of ${maxBytes}`,
      ctx,
      { serde },
    );
  }
  if (bytes.length === 0)
    throw serdeError('SERDE_TRUNCATED', 'empty record: no Confluent frame header', ctx, { serde });
  if (bytes[0] !== MAGIC_BYTE) {
    throw serdeError(
      'SERDE_MAGIC_BYTE',
      `magic byte is ${bytes[0]} (not 0): not Confluent-framed Avro${guessFormat(bytes)}; first bytes ${preview(bytes)}`,
      ctx,
      { serde },
    );
  }
  if (bytes.length < FRAME_HEADER_BYTES) {
    throw serdeError(
      'SERDE_TRUNCATED',
      `record of ${bytes.length} bytes is shorter than the 5-byte frame header`,
      ctx,
      { serde },
    );
  }
  return bytes.readUInt32BE(1);
}

/** The schema id of framed bytes, or undefined when the frame header is not valid. */
export function peekSchemaId(bytes: Buffer): number | undefined {
  return Buffer.isBuffer(bytes) && bytes.length >= FRAME_HEADER_BYTES && bytes[0] === MAGIC_BYTE
    ? bytes.readUInt32BE(1)
    : undefined;
}

/** Writes the frame header for `schemaId` into the first 5 bytes of `buf`. */
export function writeFrameHeader(buf: Buffer, schemaId: number): void {
  buf[0] = MAGIC_BYTE;
  buf.writeUInt32BE(schemaId, 1);
}

/** Hex of the first bytes, for error messages and dead-letter headers. */
export function preview(bytes: Buffer, max = 16): string {
  const hex = bytes
    .subarray(0, max)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
  return bytes.length > max ? `${hex} …` : hex;
}

function guessFormat(bytes: Buffer): string {
  const first = bytes[0];
  if (first === 0x7b || first === 0x5b) return ' (looks like JSON)';
  if (first === 0x4f && bytes.subarray(0, 4).toString('latin1') === 'Obj\u0001')
    return ' (looks like an Avro container file)';
  return '';
}
