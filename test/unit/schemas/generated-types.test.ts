// The committed TypeScript (schemas/generated/*) must be exactly what the generator makes from the
// committed .avsc files. A schema edit without `node scripts/gen-schema-types.mjs` fails here.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate, payloadRecordName } from '../../../scripts/gen-schema-types.mjs';

const ROOT = new URL('../../../', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'tmbus-avsc-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of schemas/avro with `edit` applied to one family schema. */
function editedCopy(family: string, edit: (schema: { fields: Array<{ type: unknown }> }) => void): string {
  const dir = mkdtempSync(join(scratch, 'avro-'));
  cpSync(join(ROOT, 'schemas/avro'), dir, { recursive: true });
  const file = join(dir, `${family}.avsc`);
  const schema = JSON.parse(readFileSync(file, 'utf8'));
  edit(schema);
  writeFileSync(file, JSON.stringify(schema, null, 2));
  return dir;
}

describe('generated schema types', () => {
  it('are up to date with schemas/avro/*.avsc (run node scripts/gen-schema-types.mjs)', () => {
    const files = generate();
    expect(Object.keys(files).sort()).toEqual([
      'schemas/generated/avro-schemas.ts',
      'schemas/generated/types.ts',
    ]);
    for (const [path, content] of Object.entries(files)) {
      expect(readFileSync(join(ROOT, path), 'utf8'), path).toBe(content);
    }
  });

  it('notices a field added to a payload record', () => {
    const dir = editedCopy('OrderEvent', (schema) => {
      const branches = schema.fields[1]!.type as Array<{ name: string; fields: unknown[] }>;
      branches
        .find((b) => b.name === 'OrderFilled')!
        .fields.push({ name: 'slippageBps', type: 'int', default: 0 });
    });
    const types = generate(dir)['schemas/generated/types.ts']!;
    expect(types).not.toBe(readFileSync(join(ROOT, 'schemas/generated/types.ts'), 'utf8'));
    expect(types).toMatch(/export interface OrderFilled \{[^}]*slippageBps: number;/s);
  });

  it('refuses an event type without a payload record of its name', () => {
    const dir = editedCopy('AgentEvent', (schema) => {
      const header = schema.fields[0]!.type as {
        fields: Array<{ name: string; type: { symbols: string[] } }>;
      };
      header.fields.find((f) => f.name === 'eventType')!.type.symbols.push('AGENT_RETIRED');
    });
    expect(() => generate(dir)).toThrow(/event type AGENT_RETIRED has no payload record named AgentRetired/);
  });

  it('names payload records after their event type', () => {
    expect(payloadRecordName('ORDER_PARTIAL_FILL')).toBe('OrderPartialFill');
    expect(payloadRecordName('PNL_CHANGE')).toBe('PnlChange');
  });
});
