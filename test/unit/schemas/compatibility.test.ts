// Compatibility rules as the in-memory registry enforces them, and the field-level messages an
// engineer sees when a change is refused.

import { describe, expect, it } from 'vitest';
import { SchemaRegistryError } from '../../../core/errors.js';
import type { AvroSchemaJson } from '../../../schemas/avro-type.js';
import { checkSchemaCompatibility } from '../../../schemas/compatibility.js';
import { FAMILY_SCHEMAS } from '../../../schemas/generated/avro-schemas.js';
import { InMemorySchemaRegistry } from '../../../schemas/memory-registry.js';

const PRICE = { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 8 };
const fill = (
  extra: object[] = [],
  base: object[] = [{ name: 'orderId', type: 'string' }],
): AvroSchemaJson => ({
  type: 'record',
  name: 'Fill',
  namespace: 'com.trademaster.test',
  fields: [...base, ...extra],
});

async function refusal(p: Promise<unknown>): Promise<SchemaRegistryError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SchemaRegistryError);
    return e as SchemaRegistryError;
  }
  throw new Error('expected the registry to refuse the schema');
}

describe('checkSchemaCompatibility', () => {
  it('BACKWARD: a new field needs a default, and the message names it and the rule', () => {
    const report = checkSchemaCompatibility('BACKWARD', fill([{ name: 'fillPrice', type: PRICE }]), [fill()]);
    expect(report.compatible).toBe(false);
    expect(report.messages).toEqual([
      "field 'fillPrice' was added without a default: BACKWARD requires new fields to have defaults",
    ]);
    expect(
      checkSchemaCompatibility('BACKWARD', fill([{ name: 'venue', type: 'string', default: 'XNAS' }]), [
        fill(),
      ]).compatible,
    ).toBe(true);
  });

  it('BACKWARD allows removing a field and promoting int to long; refuses long to int', () => {
    const v1 = fill([
      { name: 'qty', type: 'int' },
      { name: 'note', type: 'string' },
    ]);
    expect(checkSchemaCompatibility('BACKWARD', fill([{ name: 'qty', type: 'long' }]), [v1]).compatible).toBe(
      true,
    );
    const report = checkSchemaCompatibility('BACKWARD', fill([{ name: 'qty', type: 'int' }]), [
      fill([{ name: 'qty', type: 'long' }]),
    ]);
    expect(report.messages).toEqual([
      "field 'qty' changed type from long to int: BACKWARD requires the new schema to read data written with the previous one",
    ]);
  });

  it('FORWARD: removing a field without a default is refused', () => {
    const report = checkSchemaCompatibility('FORWARD', fill(), [fill([{ name: 'venue', type: 'string' }])]);
    expect(report.messages).toEqual([
      "field 'venue' was removed but has no default in the previous schema: FORWARD requires removed fields to have defaults",
    ]);
  });

  it('FULL checks both ways; NONE accepts anything', () => {
    const withDefault = fill([{ name: 'venue', type: 'string', default: 'XNAS' }]);
    expect(checkSchemaCompatibility('FULL', withDefault, [fill()]).compatible).toBe(true);
    const changed = fill([], [{ name: 'orderId', type: 'long' }]);
    expect(checkSchemaCompatibility('FULL', changed, [fill()]).messages).toHaveLength(2);
    expect(checkSchemaCompatibility('NONE', changed, [fill()]).compatible).toBe(true);
  });

  it('nested paths: enum symbols, decimal scale, array items', () => {
    const side = (symbols: string[]) => ({ type: 'enum', name: 'Side', symbols });
    const v1 = fill([
      { name: 'side', type: side(['BUY', 'SELL']) },
      {
        name: 'levels',
        type: {
          type: 'array',
          items: { type: 'record', name: 'Level', fields: [{ name: 'price', type: PRICE }] },
        },
      },
    ]);
    const v2 = fill([
      { name: 'side', type: side(['BUY']) },
      {
        name: 'levels',
        type: {
          type: 'array',
          items: { type: 'record', name: 'Level', fields: [{ name: 'price', type: { ...PRICE, scale: 4 } }] },
        },
      },
    ]);
    const { messages } = checkSchemaCompatibility('BACKWARD', v2, [v1]);
    expect(messages).toContain(
      "enum com.trademaster.test.Side at 'side' dropped symbol(s) SELL without an enum default: BACKWARD requires readers to know every symbol written",
    );
    expect(messages).toContain(
      "field 'levels[].price' changed type from decimal(18,8) to decimal(18,4): BACKWARD requires the same decimal scale",
    );
  });

  it('explains a change inside a payload record of a family union field by field', () => {
    type Fam = { fields: [unknown, { type: Array<{ name: string; fields: Array<{ name: string }> }> }] };
    const older = structuredClone(FAMILY_SCHEMAS.OrderEvent) as unknown as Fam;
    const filled = older.fields[1].type.find((r) => r.name === 'OrderFilled')!;
    filled.fields = filled.fields.filter((f) => f.name !== 'liquidity');
    const report = checkSchemaCompatibility('BACKWARD', FAMILY_SCHEMAS.OrderEvent, [
      older as unknown as AvroSchemaJson,
    ]);
    expect(report.messages).toEqual([
      "field 'payload.liquidity' was added without a default: BACKWARD requires new fields to have defaults",
    ]);
  });

  it('TRANSITIVE levels check every previous version and say which', () => {
    const v1 = fill();
    const v2 = fill([{ name: 'venue', type: 'string', default: 'XNAS' }]);
    const v3 = fill([{ name: 'venue', type: 'string' }]); // reads v2 data, not v1 data
    expect(checkSchemaCompatibility('BACKWARD', v3, [v1, v2]).compatible).toBe(true);
    expect(checkSchemaCompatibility('BACKWARD_TRANSITIVE', v3, [v1, v2]).messages).toEqual([
      "field 'venue' was added without a default: BACKWARD_TRANSITIVE requires new fields to have defaults (against version 1)",
    ]);
  });

  it('the catalog can evolve by adding an event type (BACKWARD), not by removing one', () => {
    type Rec = { name: string; type: { symbols: string[] } };
    const order = structuredClone(FAMILY_SCHEMAS.OrderEvent) as unknown as {
      fields: [{ type: { fields: Rec[] } }, { type: object[] }];
    };
    order.fields[0].type.fields.find((f) => f.name === 'eventType')!.type.symbols.push('ORDER_AMENDED');
    order.fields[1].type.push({
      type: 'record',
      name: 'OrderAmended',
      fields: [{ name: 'orderId', type: 'string' }],
    });
    const amended = order as unknown as AvroSchemaJson;
    expect(checkSchemaCompatibility('BACKWARD', amended, [FAMILY_SCHEMAS.OrderEvent]).compatible).toBe(true);
    const back = checkSchemaCompatibility('BACKWARD', FAMILY_SCHEMAS.OrderEvent, [amended]);
    expect(back.compatible).toBe(false);
    expect(back.messages).toContain(
      "enum com.trademaster.events.order.OrderEventType at 'header.eventType' dropped symbol(s) ORDER_AMENDED without an enum default: BACKWARD requires readers to know every symbol written",
    );
  });
});

describe('InMemorySchemaRegistry', () => {
  it('registers versions, shares ids for identical schemas and refuses incompatible changes (BACKWARD default)', async () => {
    const registry = new InMemorySchemaRegistry({ firstId: 100 });
    expect(await registry.getCompatibility('fills-value')).toBe('BACKWARD');
    const v1 = await registry.register('fills-value', fill());
    expect(await registry.register('fills-value', fill())).toBe(v1);
    expect(await registry.register('other-value', fill())).toBe(v1);
    const v2 = await registry.register(
      'fills-value',
      fill([{ name: 'venue', type: 'string', default: 'XNAS' }]),
    );
    expect(v2).toBe(101);
    expect(await registry.getLatest('fills-value')).toMatchObject({ id: 101, version: 2 });
    expect(await registry.lookupId('fills-value', fill())).toBe(v1);
    expect(await registry.lookupId('nope-value', fill())).toBeUndefined();

    const e = await refusal(registry.register('fills-value', fill([{ name: 'fillPrice', type: PRICE }])));
    expect(e.code).toBe('SCHEMA_INCOMPATIBLE');
    expect(e.retriable).toBe(false);
    expect(e.message).toBe(
      "schema for subject 'fills-value' is incompatible: field 'fillPrice' was added without a default: BACKWARD requires new fields to have defaults",
    );
    expect(e.context).toMatchObject({ subject: 'fills-value', compatibility: 'BACKWARD' });
    expect((await registry.getLatest('fills-value')).version).toBe(2);
    expect(
      (await registry.checkCompatibility('fills-value', fill([{ name: 'fillPrice', type: PRICE }])))
        .compatible,
    ).toBe(false);
  });

  it('honours a per-subject level', async () => {
    const registry = new InMemorySchemaRegistry();
    await registry.register('a-value', fill());
    await registry.setCompatibility('a-value', 'NONE');
    expect(await registry.getCompatibility('a-value')).toBe('NONE');
    await expect(
      registry.register('a-value', fill([], [{ name: 'orderId', type: 'long' }])),
    ).resolves.toBeTypeOf('number');
    await registry.setCompatibility('a-value', 'FORWARD');
    const e = await refusal(
      registry.register('a-value', fill([], [{ name: 'other', type: 'long', default: 0 }])),
    );
    expect(e.message).toContain(
      "field 'orderId' was removed but has no default in the previous schema: FORWARD",
    );
  });

  it('answers SCHEMA_NOT_FOUND and SCHEMA_REGISTRY_REQUEST like a real registry', async () => {
    const registry = new InMemorySchemaRegistry();
    expect((await refusal(registry.getSchemaById(42))).code).toBe('SCHEMA_NOT_FOUND');
    expect((await refusal(registry.getLatest('missing-value'))).code).toBe('SCHEMA_NOT_FOUND');
    const bad = await refusal(
      registry.register('x-value', { type: 'record', name: 'X', fields: [{ name: 'a', type: 'nope' }] }),
    );
    expect(bad.code).toBe('SCHEMA_REGISTRY_REQUEST');
    expect(await registry.listSubjects()).toEqual([]);
  });
});
