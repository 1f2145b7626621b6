// Binary header values survive produce/consume byte for byte (issue 13 item 8): node-rdkafka 3.6
// sends header values as C strings, so the producer base64-encodes them (native-headers.ts).
import { afterAll, describe, expect, it } from 'vitest';
import { BusConsumer, toRawRecord } from '../../../runtime/kafka/consumer.js';
import { BusProducer } from '../../../runtime/kafka/producer.js';
import { domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import type { RawRecord } from '../../../topology/plan.js';
import { waitFor } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const connection = servicesConfig();
const topics = new TopicManager(connection);
const topic = uniqueName('binary-headers');
afterAll(() => topics.delete([topic]));

describe('headers through BusProducer and BusConsumer', () => {
  it('a binary header value round-trips unchanged, next to text ones', async () => {
    await topics.ensure([domainTopic(topic, 1)]);
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80]);
    const producer = new BusProducer({ connection });
    await producer.connect();
    await producer.send({
      topic,
      key: Buffer.from('k'),
      value: Buffer.from('v'),
      headers: { 'x-bin': binary, 'x-text': Buffer.from('héllo'), 'tm-event-type': 'ORDER_PLACED' },
    });
    await producer.disconnect();
    const got: RawRecord[] = [];
    const consumer = new BusConsumer({
      connection,
      groupId: uniqueName('g-bin'),
      topics: [topic],
      onBatch: (ms) => void got.push(...ms.map(toRawRecord)),
    });
    await consumer.connect();
    consumer.start();
    try {
      await waitFor(() => got.length >= 1, 60_000, 'the record');
    } finally {
      await consumer.close();
    }
    const headers = got[0]!.headers;
    expect([...headers['x-bin']!]).toEqual([0xff, 0xfe, 0x00, 0x80]);
    expect(headers['x-text']!.toString()).toBe('héllo');
    expect(headers['tm-event-type']!.toString()).toBe('ORDER_PLACED');
    expect(headers['tm-binary-headers']).toBeUndefined();
  });
});
