// Wire compatibility with Confluent's own JavaScript serdes (@confluentinc/schemaregistry), both
// pointed at the same real registry: what our serde writes, theirs reads, and the reverse, for
// every event type. Their deserializer runs avsc without our logical types, so it sees decimals
// as raw two's-complement bytes and the payload union wrapped — the raw Avro any client sees.

import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  AvroDeserializer,
  AvroSerializer,
  SchemaRegistryClient,
  SerdeType,
} from '@confluentinc/schemaregistry';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_FAMILIES, EVENT_TYPES, type EventFamily, familyOf } from '../../../schemas/catalog.js';
import { decodeDecimal } from '../../../schemas/decimal.js';
import { PAYLOAD_RECORDS } from '../../../schemas/generated/avro-schemas.js';
import { HttpSchemaRegistry } from '../../../schemas/http-registry.js';
import { sampleEvent } from '../../../schemas/samples.js';
import { type AvroSerde, familySerde } from '../../../schemas/serde.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const url = servicesConfig().registry.url;

describe('interop with @confluentinc/schemaregistry', () => {
  // A request timeout so a slow registry answer is retried by their client instead of hanging, and
  // no keep-alive: a pooled socket the registry has meanwhile closed made a request hang until the
  // timeout (seen in CI runs), and a timeout is not retried by their client.
  const client = new SchemaRegistryClient({
    baseURLs: [url],
    createAxiosDefaults: {
      timeout: 10_000,
      httpAgent: new HttpAgent({ keepAlive: false }),
      httpsAgent: new HttpsAgent({ keepAlive: false }),
    },
    maxRetries: 3,
  });
  const theirReader = new AvroDeserializer(client, SerdeType.VALUE, {});
  const theirWriter = new AvroSerializer(client, SerdeType.VALUE, {
    useLatestVersion: true,
    autoRegisterSchemas: false,
  });
  const topics = new Map<EventFamily, string>();
  const ours = new Map<EventFamily, AvroSerde<unknown>>();

  beforeAll(async () => {
    const registry = new HttpSchemaRegistry({ url });
    for (const family of EVENT_FAMILIES) {
      const topic = uniqueName(`itest.${family}`);
      topics.set(family, topic);
      ours.set(family, (await familySerde(registry, family, { topic })) as AvroSerde<unknown>);
    }
  });

  it.each(EVENT_TYPES)('%s: ours → theirs → ours, byte for byte', async (type) => {
    const family = familyOf(type);
    const topic = topics.get(family)!;
    const serde = ours.get(family)!;
    const event = sampleEvent(type);
    const ctx = { topic, partition: 0, offset: 0 };
    const ourBytes = serde.serialize(event, ctx);

    // Theirs reads ours: same header, the payload in the union branch named by the event type.
    const raw = await theirReader.deserialize(topic, ourBytes);
    expect(raw.header).toEqual(event.header);
    const branch = raw.payload[PAYLOAD_RECORDS[type]];
    expect(branch).toBeDefined();

    // Theirs writes what it read with the latest registered schema: the very same bytes.
    const theirBytes = await theirWriter.serialize(topic, raw);
    expect(theirBytes.readUInt32BE(1)).toBe(serde.schemaId);
    expect(theirBytes.equals(ourBytes)).toBe(true);

    // Ours reads theirs back to the original event.
    expect(serde.deserialize(theirBytes, ctx)).toEqual(event);
  });

  it('decimals are standard Avro decimals: their raw bytes decode to our strings', async () => {
    const topic = topics.get('OrderEvent')!;
    const fill = sampleEvent('ORDER_FILLED', {
      payload: { fillPrice: '189.27000000', commission: '-0.5000' },
    });
    const raw = await theirReader.deserialize(topic, ours.get('OrderEvent')!.serialize(fill, { topic }));
    const payload = raw.payload[PAYLOAD_RECORDS.ORDER_FILLED];
    expect(Buffer.isBuffer(payload.fillPrice)).toBe(true);
    expect(decodeDecimal(payload.fillPrice, 8)).toBe('189.27000000');
    expect(decodeDecimal(payload.commission, 4)).toBe('-0.5000');
  });

  it('a record their serializer builds from scratch decodes with our serde', async () => {
    const topic = topics.get('MarketDataEvent')!;
    const header = { ...sampleEvent('TRADE_EXECUTION').header };
    const bytes = await theirWriter.serialize(topic, {
      header,
      payload: {
        [PAYLOAD_RECORDS.TRADE_EXECUTION]: {
          tradeId: 'T-1',
          venue: 'XNYS',
          price: Buffer.from('046813d780', 'hex'), // 189.26 at scale 8, as Java's BigDecimal writes it
          quantity: Buffer.from([0x02, 0x54, 0x0b, 0xe4, 0x00]), // 100 at scale 8
          aggressorSide: 'SELL',
          executedAt: 1_736_951_400_000,
        },
      },
    });
    const event = ours.get('MarketDataEvent')!.deserialize(bytes, { topic });
    expect(event).toEqual({
      header,
      payload: {
        tradeId: 'T-1',
        venue: 'XNYS',
        price: '189.26000000',
        quantity: '100.00000000',
        aggressorSide: 'SELL',
        executedAt: 1_736_951_400_000,
      },
    });
  });
});
