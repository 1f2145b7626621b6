// Micro-benchmark of the Avro serde on a typical OrderEvent (ORDER_FILLED: 6 decimals, a UUID,
// 4 enums, 2 timestamps, 189 bytes framed): encode and decode records/s on one core, plus decode
// through writer→reader resolution and through the generic decoder, beside JSON as a reference.
// Not a test. Run with
//   npx vitest bench --run --project unit bench/serde.bench.ts
// The `hz` column is records per second.

import { bench, describe } from 'vitest';
import { FAMILY_SCHEMAS } from '../schemas/generated/avro-schemas.js';
import { createGenericAvroDecoder } from '../schemas/generic-decoder.js';
import { InMemorySchemaRegistry } from '../schemas/memory-registry.js';
import { sampleEvent } from '../schemas/samples.js';
import { createAvroSerde, familySerde } from '../schemas/serde.js';

const topic = 'tm.orders';
const ctx = { topic, partition: 0, offset: 0 };
const registry = new InMemorySchemaRegistry({ defaultCompatibility: 'NONE' });
const orders = await familySerde(registry, 'OrderEvent');
const fill = sampleEvent('ORDER_FILLED');
const bytes = orders.serialize(fill, ctx);

// An older producer whose OrderFilled still carried `legacyRoute`: its records are read through a
// resolver that skips the field.
type Family = { fields: [unknown, { type: Array<{ name: string; fields: Array<{ name: string }> }> }] };
const older = structuredClone(FAMILY_SCHEMAS.OrderEvent) as unknown as Family;
const olderFill = older.fields[1].type.find((r) => r.name === 'OrderFilled')!;
olderFill.fields.push({ name: 'legacyRoute', type: 'string' } as never);
const olderWriter = await createAvroSerde<unknown>(registry, {
  topic: 'tm.orders-v0',
  schema: older as never,
});
const olderPayload = { ...fill.payload, legacyRoute: 'SMART' };
const olderBytes = olderWriter.serialize(
  { header: fill.header, payload: { 'com.trademaster.events.order.OrderFilled': olderPayload } },
  ctx,
);
await orders.prepare(olderBytes);

const generic = createGenericAvroDecoder(registry);
await generic.prepare(bytes);

console.log(
  `OrderEvent ORDER_FILLED: ${bytes.length} bytes framed (JSON: ${JSON.stringify(fill).length} bytes)`,
);

describe('OrderEvent serde, records/s = hz', () => {
  bench('encode (serialize)', () => {
    orders.serialize(fill, ctx);
  });
  bench('decode (deserialize)', () => {
    orders.deserialize(bytes, ctx);
  });
  bench('decode an older writer (resolver)', () => {
    orders.deserialize(olderBytes, ctx);
  });
  bench('decode with the generic decoder', () => {
    generic.deserialize(bytes, ctx);
  });
  bench('reference: JSON.stringify + JSON.parse', () => {
    JSON.parse(JSON.stringify(fill));
  });
});
