// The catalog (schemas/catalog.ts) is the one source of truth for event types, families,
// priorities, keys and topics; the Avro schemas must agree with it exactly, and every family
// header must carry the same envelope fields.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CATALOG,
  EVENT_FAMILIES,
  EVENT_TYPES,
  type EventFamily,
  familyOf,
  PRIORITIES,
} from '../../../schemas/catalog.js';
import { FAMILY_RECORDS, FAMILY_SCHEMAS, PAYLOAD_RECORDS } from '../../../schemas/generated/avro-schemas.js';

interface Field {
  name: string;
  type: unknown;
  default?: unknown;
}
interface RecordSchema {
  name: string;
  namespace?: string;
  fields: Field[];
}

const header = (family: EventFamily) =>
  (FAMILY_SCHEMAS[family] as unknown as RecordSchema).fields[0]!.type as RecordSchema;
const field = (rec: RecordSchema, name: string) => rec.fields.find((f) => f.name === name);
const symbolsOf = (family: EventFamily) =>
  (field(header(family), 'eventType')!.type as { symbols: string[] }).symbols;
const COMMON_FIELDS = [
  'eventId',
  'correlationId',
  'causationId',
  'eventType',
  'priority',
  'timestamp',
  'source',
  'version',
];

describe('catalog ↔ Avro schemas', () => {
  it('has one schema per family, named after it, in the com.trademaster.events namespace', () => {
    expect(Object.keys(FAMILY_SCHEMAS).sort()).toEqual([...EVENT_FAMILIES].sort());
    for (const family of EVENT_FAMILIES) {
      const schema = FAMILY_SCHEMAS[family] as unknown as RecordSchema;
      expect(schema.name).toBe(family);
      expect(schema.namespace).toMatch(/^com\.trademaster\.events\.[a-z]+$/);
      expect(FAMILY_RECORDS[family]).toBe(`${schema.namespace}.${family}`);
      expect(schema.fields.map((f) => f.name)).toEqual(['header', 'payload']);
    }
  });

  it('puts every catalog event type in exactly its own family eventType enum', () => {
    for (const type of EVENT_TYPES) {
      const holders = EVENT_FAMILIES.filter((f) => symbolsOf(f).includes(type));
      expect(holders, type).toEqual([familyOf(type)]);
    }
    for (const family of EVENT_FAMILIES) {
      expect(symbolsOf(family)).toEqual(Object.keys(CATALOG[family].types));
    }
  });

  it('has exactly one payload record per event type, named after it', () => {
    for (const family of EVENT_FAMILIES) {
      const branches = (FAMILY_SCHEMAS[family] as unknown as RecordSchema).fields[1]!.type as RecordSchema[];
      const names = branches.map(
        (b) => `${(FAMILY_SCHEMAS[family] as unknown as RecordSchema).namespace}.${b.name}`,
      );
      const expected = Object.keys(CATALOG[family].types).map(
        (t) => PAYLOAD_RECORDS[t as keyof typeof PAYLOAD_RECORDS],
      );
      expect(names.sort()).toEqual([...expected].sort());
    }
    expect(Object.keys(PAYLOAD_RECORDS).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('uses the catalog priorities as the Priority enum, in rank order', () => {
    for (const family of EVENT_FAMILIES) {
      const priority = field(header(family), 'priority')!.type;
      const symbols =
        typeof priority === 'string' ? undefined : (priority as { symbols: string[]; name: string }).symbols;
      expect(symbols, family).toEqual([...PRIORITIES]);
    }
  });

  it('gives every header the envelope fields, then the catalog partition key field', () => {
    const reference = header('OrderEvent').fields.filter(
      (f) => COMMON_FIELDS.includes(f.name) && f.name !== 'eventType' && f.name !== 'priority',
    );
    for (const family of EVENT_FAMILIES) {
      const h = header(family);
      expect(h.name).toBe(`${family}Header`);
      expect(h.fields.map((f) => f.name)).toEqual([...COMMON_FIELDS, CATALOG[family].keyField]);
      expect(field(h, CATALOG[family].keyField)!.type).toBe('string');
      const common = h.fields.filter(
        (f) => COMMON_FIELDS.includes(f.name) && f.name !== 'eventType' && f.name !== 'priority',
      );
      expect(common, family).toEqual(reference);
    }
    expect(field(header('RiskEvent'), 'eventId')!.type).toEqual({ type: 'string', logicalType: 'uuid' });
    expect(field(header('RiskEvent'), 'timestamp')!.type).toEqual({
      type: 'long',
      logicalType: 'timestamp-millis',
    });
    expect(field(header('RiskEvent'), 'causationId')!.default).toBeNull();
  });

  it('embeds exactly the .avsc files', () => {
    for (const family of EVENT_FAMILIES) {
      const onDisk = JSON.parse(
        readFileSync(new URL(`../../../schemas/avro/${family}.avsc`, import.meta.url), 'utf8'),
      );
      expect(FAMILY_SCHEMAS[family]).toEqual(onDisk);
    }
  });

  it('types every price, quantity and amount as an exact decimal, never float or double', () => {
    const floats: string[] = [];
    const visit = (schema: unknown, path: string): void => {
      if (Array.isArray(schema)) {
        for (const branch of schema) visit(branch, path);
        return;
      }
      if (!schema || typeof schema !== 'object') return;
      const s = schema as { type?: unknown; fields?: Field[]; items?: unknown; values?: unknown };
      for (const f of s.fields ?? []) {
        if (
          /price|quantity|amount|pnl|balance|margin|equity|notional|commission|vwap|deficit|value$/i.test(
            f.name,
          ) &&
          JSON.stringify(f.type).match(/"(float|double)"/)
        ) {
          floats.push(`${path}.${f.name}`);
        }
        visit(f.type, `${path}.${f.name}`);
      }
      visit(s.items, `${path}[]`);
      visit(s.values, `${path}{}`);
    };
    for (const family of EVENT_FAMILIES) visit(FAMILY_SCHEMAS[family], family);
    // AnalyticsUpdate.value is a generic metric (counts, latencies), not money.
    expect(floats).toEqual(['SystemEvent.payload.value']);
  });
});
