// The pure halves of `tmbus publish` and `tmbus tail`: how a typed-in JSON becomes an event (what
// is filled in, what is refused and with which field), how `--from` is read, and how a record
// becomes a JSON line (text vs binary bytes, JSON-unsafe Avro values, undecodable values) — with
// the real Avro serde over the in-memory registry.

import { describe, expect, it } from 'vitest';
import { isBusError } from '../../../core/errors.js';
import { completeEvent, resolvePublishTarget } from '../../../runtime/ops/event-draft.js';
import type { RawRecord } from '../../../runtime/ops/range-reader.js';
import { bytesJson, jsonSafe, recordJson } from '../../../runtime/ops/record-json.js';
import { parseTailFrom } from '../../../runtime/ops/topic-tail.js';
import {
  createAvroSerde,
  createGenericAvroDecoder,
  familySerde,
  InMemorySchemaRegistry,
  sampleEvent,
} from '../../../schemas/index.js';

const NOW = Date.parse('2024-05-01T10:00:00Z');
const fixed = { now: NOW, newId: () => '00000000-0000-4000-8000-000000000001' };

function thrown(f: () => unknown): { code: string; message: string; field?: unknown } {
  try {
    f();
  } catch (e) {
    if (!isBusError(e)) throw e;
    return { code: e.code, message: e.message, field: e.context.field };
  }
  throw new Error('expected an error');
}

describe('publish: target and envelope completion', () => {
  it('resolves a family or an event type, and names both lists for anything else', () => {
    expect(resolvePublishTarget('ORDER_FILLED')).toEqual({ family: 'OrderEvent', type: 'ORDER_FILLED' });
    expect(resolvePublishTarget('RiskEvent')).toEqual({ family: 'RiskEvent' });
    expect(() => resolvePublishTarget('OrderEvents')).toThrow(
      /neither an event family \(RiskEvent, OrderEvent/,
    );
  });

  it('fills eventId, timestamp, source, version and the catalog priority around a bare payload', () => {
    const payload = sampleEvent('ORDER_PLACED').payload;
    const event = completeEvent(resolvePublishTarget('ORDER_PLACED'), payload, { ...fixed, key: 'MSFT' });
    expect(event).toEqual({
      header: {
        eventId: '00000000-0000-4000-8000-000000000001',
        causationId: null,
        timestamp: NOW,
        source: 'tmbus-cli',
        version: 1,
        eventType: 'ORDER_PLACED',
        priority: 'HIGH',
        symbol: 'MSFT',
      },
      payload,
    });
  });

  it('keeps the header fields given, takes the type from the header, the key from the payload', () => {
    const risk = sampleEvent('MARGIN_CALL');
    const given = {
      header: { eventType: 'MARGIN_CALL', correlationId: 'flow-1', source: 'me', accountId: 'A-1' },
      payload: risk.payload,
    };
    const event = completeEvent(resolvePublishTarget('RiskEvent'), given, fixed);
    expect(event.header).toMatchObject({
      eventType: 'MARGIN_CALL',
      correlationId: 'flow-1',
      source: 'me',
      accountId: 'A-1',
      priority: 'CRITICAL',
    });
    // A payload that carries the family's key field (an agent's agentId) keys the event by it.
    const status = sampleEvent('AGENT_STATUS_CHANGE').payload as unknown as Record<string, unknown>;
    const agent = completeEvent(
      resolvePublishTarget('AGENT_STATUS_CHANGE'),
      { ...status, agentId: 'agent-7' },
      fixed,
    );
    expect((agent.header as unknown as Record<string, unknown>).agentId).toBe('agent-7');
  });

  it('refuses what cannot be an event of the target, naming the field', () => {
    const payload = sampleEvent('ORDER_PLACED').payload;
    const orders = resolvePublishTarget('OrderEvent');
    expect(thrown(() => completeEvent(orders, payload, { key: 'AAPL' }))).toMatchObject({
      code: 'SERDE_ENCODE',
      field: 'header.eventType',
      message: expect.stringContaining('give header.eventType or --type (ORDER_REJECTED_CRITICAL|'),
    });
    expect(thrown(() => completeEvent(orders, payload, { key: 'AAPL', type: 'MARGIN_CALL' }))).toMatchObject({
      field: 'header.eventType',
      message: expect.stringContaining('"MARGIN_CALL" is not a OrderEvent type'),
    });
    expect(
      thrown(() =>
        completeEvent(resolvePublishTarget('ORDER_PLACED'), payload, { key: 'AAPL', type: 'ORDER_FILLED' }),
      ),
    ).toMatchObject({ message: expect.stringContaining('given as "ORDER_PLACED" and "ORDER_FILLED"') });
    expect(thrown(() => completeEvent(resolvePublishTarget('ORDER_PLACED'), payload))).toMatchObject({
      field: 'header.symbol',
      message: expect.stringContaining('pass --key'),
    });
    expect(thrown(() => completeEvent(orders, [payload]))).toMatchObject({
      message: 'expected a JSON object, got an array',
    });
  });
});

describe('tail: --from', () => {
  it('reads earliest, latest, offset:<n> and every time form; refuses the rest with the forms', () => {
    expect(parseTailFrom('earliest')).toEqual({ kind: 'earliest' });
    expect(parseTailFrom('latest')).toEqual({ kind: 'latest' });
    expect(parseTailFrom('offset:42')).toEqual({ kind: 'offset', offset: 42 });
    expect(parseTailFrom('-1h', NOW)).toEqual({ kind: 'time', epochMs: NOW - 3_600_000 });
    expect(parseTailFrom('2024-05-01T09:30:00Z')).toEqual({
      kind: 'time',
      epochMs: Date.parse('2024-05-01T09:30:00Z'),
    });
    expect(() => parseTailFrom('offset:-1')).toThrow(
      /invalid --from 'offset:-1': use earliest, latest, offset:<n>, ISO-8601/,
    );
    expect(() => parseTailFrom('yesterday')).toThrow(/invalid --from/);
  });
});

describe('tail: a record as a JSON line', () => {
  const record = (value: Buffer | null, headers: Record<string, Buffer> = {}): RawRecord => ({
    topic: 't',
    partition: 1,
    offset: 7,
    timestamp: NOW,
    key: Buffer.from('AAPL'),
    value,
    headers,
  });

  it('decodes a catalog event and prints text headers as text, binary ones as base64', async () => {
    const registry = new InMemorySchemaRegistry();
    const serde = await familySerde(registry, 'OrderEvent', { topic: 't' });
    const event = sampleEvent('ORDER_FILLED');
    const binary = Buffer.from([0xff, 0x00, 0xc3]);
    const line = await recordJson(
      record(serde.serialize(event, { topic: 't' }), {
        'tm-event-type': Buffer.from('ORDER_FILLED'),
        bin: binary,
      }),
      createGenericAvroDecoder(registry),
    );
    expect(line).toEqual({
      topic: 't',
      partition: 1,
      offset: 7,
      timestamp: '2024-05-01T10:00:00.000Z',
      key: 'AAPL',
      headers: { 'tm-event-type': 'ORDER_FILLED', bin: { base64: binary.toString('base64') } },
      schemaId: serde.schemaId,
      value: JSON.parse(JSON.stringify(event)),
    });
  });

  it('prints an undecodable value with its error code and raw bytes, and a tombstone as null', async () => {
    const decoder = createGenericAvroDecoder(new InMemorySchemaRegistry());
    const garbage = Buffer.from('not avro at all');
    expect(await recordJson(record(garbage), decoder)).toMatchObject({
      offset: 7,
      error: { code: 'SERDE_MAGIC_BYTE', message: expect.any(String) },
      rawValue: { base64: garbage.toString('base64') },
    });
    const unknownId = Buffer.from([0, 0, 0, 0x30, 0x39, 2, 4]);
    expect((await recordJson(record(unknownId), decoder)).error?.code).toBe('SERDE_UNKNOWN_SCHEMA');
    expect(await recordJson(record(null), decoder)).toMatchObject({ value: null });
    expect((await recordJson(record(null), decoder)).error).toBeUndefined();
  });

  it('keeps longs, bytes and non-finite doubles of a non-catalog schema exact in JSON', async () => {
    const registry = new InMemorySchemaRegistry();
    const serde = await createAvroSerde<Record<string, unknown>>(registry, {
      topic: 'x',
      schema: {
        type: 'record',
        name: 'Blob',
        fields: [
          { name: 'raw', type: 'bytes' },
          { name: 'ratio', type: 'double' },
          { name: 'n', type: 'long' },
        ],
      },
    });
    const bytes = serde.serialize(
      { raw: Buffer.from([1, 2, 255]), ratio: Number.NaN, n: 2 ** 40 },
      { topic: 'x' },
    );
    const line = await recordJson(record(bytes), createGenericAvroDecoder(registry));
    expect(line.value).toEqual({ raw: { base64: 'AQL/' }, ratio: 'NaN', n: 2 ** 40 });
    expect(jsonSafe({ big: 2n ** 70n, list: [new Uint8Array([0])] })).toEqual({
      big: '1180591620717411303424',
      list: [{ base64: 'AA==' }],
    });
    expect(bytesJson(Buffer.from('héllo'))).toBe('héllo');
  });
});
