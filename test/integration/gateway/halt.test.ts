// A lane source that halts, against the real Kafka and Redis: the gateway's schema registry stays
// out of reach for the whole decode retry budget, so the lane consumer halts at the first record it
// cannot decode. The group's committed position must be that record — the ones before it went out
// and are committed, nothing at or past it is — so the next owner of the partition starts there.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBusError } from '../../../core/errors.js';
import { BusProducer } from '../../../runtime/kafka/producer.js';
import { consumerGroupLag } from '../../../runtime/ops/lag.js';
import { uniqueName } from '../../support/services.js';
import {
  connection,
  createFixture,
  eventually,
  type Fixture,
  redisUrl,
  waitForAssignment,
} from './support/harness.js';

let fx: Fixture;
let producer: BusProducer;

beforeAll(async () => {
  fx = await createFixture('halt', 1);
  producer = new BusProducer({ connection, clientId: uniqueName('gw-halt-test') });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await fx?.cleanup();
});

describe('a lane consumer that halts', () => {
  it('commits the records before the failed one and nothing from it on', async () => {
    const { gateway } = await fx.startGateway({
      instanceId: 'gw-halt',
      connection: {
        ...connection,
        // Nothing listens on port 1: every schema lookup fails as retriable (connection refused).
        registry: { url: 'http://127.0.0.1:1/apis/ccompat/v7' },
        redis: { url: redisUrl },
      },
      lanes: {
        ...fx.config().lanes,
        decodeRetry: { initialDelayMs: 20, maxDelayMs: 50, maxElapsedMs: 500 },
      },
    });
    await waitForAssignment([gateway], 1);
    const topic = fx.lanes.CRITICAL;
    // A tombstone needs no schema (undeliverable, passed over), then a record that does, then more.
    const first = await producer.send({ topic, partition: 0, key: Buffer.from('acc-1'), value: null });
    const failed = await fx.publish('MARGIN_CALL');
    await producer.send({ topic, partition: 0, key: Buffer.from('acc-1'), value: null });
    expect([first.offset, failed.offset]).toEqual([0, 1]);

    await eventually(() => gateway.halted() !== undefined, 30_000, 'the lane consumer to halt');
    const error = gateway.halted()!;
    expect(isBusError(error) && error.retriable).toBe(true);
    expect(error.context).toMatchObject({ topic, partition: 0, offset: failed.offset });
    // A halted consumer hands out nothing more: a record written now is neither read nor
    // committed, not even after librdkafka's auto-commit interval (1 s) has passed.
    await producer.send({ topic, partition: 0, key: Buffer.from('acc-1'), value: null });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(gateway.metrics.undeliverable).toBe(1);

    await gateway.close();
    const lag = await consumerGroupLag(connection, fx.groupId, [topic]);
    expect(lag.partitions).toEqual([
      { topic, partition: 0, committed: failed.offset, highWatermark: 4, lag: 3 },
    ]);
  });
});
