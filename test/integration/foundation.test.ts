// The stack end to end, as issue 2 asks: register an Avro schema in the real registry, produce a
// record with node-rdkafka in the Confluent wire format, consume it back in a consumer group and
// decode it equal to the input.
import { afterAll, describe, expect, it } from 'vitest';
import { BusConsumer } from '../../runtime/kafka/consumer.js';
import { BusProducer } from '../../runtime/kafka/producer.js';
import { domainTopic, TopicManager } from '../../runtime/kafka/topics.js';
import { familySerde, HttpSchemaRegistry, peekSchemaId, sampleEvent } from '../../schemas/index.js';
import { servicesConfig, uniqueName } from '../support/services.js';

const connection = servicesConfig();
const topics = new TopicManager(connection);
const topic = uniqueName('it-foundation');

afterAll(() => topics.delete([topic]));

describe('foundation: registry + Kafka + Avro round trip', () => {
  it('registers a schema, produces Confluent-framed Avro, consumes it in a group and decodes it equal', async () => {
    const registry = new HttpSchemaRegistry({ url: connection.registry.url });
    const serde = await familySerde(registry, 'OrderEvent', { topic });
    expect(await registry.getLatest(`${topic}-value`)).toMatchObject({ id: serde.schemaId, version: 1 });

    const event = sampleEvent('ORDER_FILLED');
    const bytes = serde.serialize(event, { topic });
    expect(bytes[0]).toBe(0);
    expect(peekSchemaId(bytes)).toBe(serde.schemaId);

    await topics.ensure([domainTopic(topic, 1)]);
    const producer = new BusProducer({ connection });
    await producer.connect();
    const report = await producer.send({ topic, key: Buffer.from(event.header.symbol), value: bytes });
    await producer.disconnect();
    expect(report.offset).toBe(0);

    // A fresh reader resolves the writer schema by the id in the frame, from the registry.
    const reader = await familySerde(new HttpSchemaRegistry({ url: connection.registry.url }), 'OrderEvent', {
      topic,
      autoRegister: false,
    });
    let received: Buffer | undefined;
    const consumer = new BusConsumer({
      connection,
      groupId: uniqueName('g-foundation'),
      topics: [topic],
      onBatch: (messages) => {
        received ??= messages[0]?.value ?? undefined;
      },
    });
    await consumer.connect();
    consumer.start();
    const deadline = Date.now() + 60_000;
    while (!received && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await consumer.close();
    expect(received).toBeDefined();
    await reader.prepare(received!, { topic, partition: 0, offset: 0 });
    expect(reader.deserialize(received!, { topic, partition: 0, offset: 0 })).toEqual(event);
  });
});
