// subscribe() on the real broker and registry, fed records it can never decode: plain garbage and
// a record framed with another family's registered schema id (with a valid, admitted
// `tm-event-type` header, so the header pre-filter lets it through). Both must land in
// `<group>-dlq` with the tm-dlq-* headers, the handler must see every valid record after them, the
// subscription must stay alive, and the group must have committed past them. And the other side
// of the contract: a valid record met while the registry is unreachable is held, not dead-lettered.
import { connect, createServer, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { BusError } from '../../../core/errors.js';
import { DEAD_LETTER_HEADERS, HEADERS } from '../../../core/headers.js';
import { EventPublisher } from '../../../runtime/client/event-publisher.js';
import { type Subscription, subscribe } from '../../../runtime/client/event-subscriber.js';
import { BusProducer } from '../../../runtime/kafka/producer.js';
import { domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import { FAMILY_SCHEMAS, familySerde, HttpSchemaRegistry, sampleEvent } from '../../../schemas/index.js';
import { readTopic, waitFor } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const connection = servicesConfig();
const registry = new HttpSchemaRegistry({ url: connection.registry.url });
const topicManager = new TopicManager(connection);
const orders = uniqueName('orders-dlq');
const market = uniqueName('market-dlq');
const group = uniqueName('g-dlq');
const held = uniqueName('orders-held');
const heldGroup = uniqueName('g-held');
const closers: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await topicManager.delete([orders, market, held, `${group}-dlq`, `${heldGroup}-dlq`]);
});

/** A TCP relay to the real registry that can refuse and cut every connection: a registry outage. */
class RegistryRelay {
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((client) => this.accept(client));
  private down = false;
  url = '';

  constructor(private readonly target: URL) {}

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    const { port } = this.server.address() as { port: number };
    this.url = `${this.target.protocol}//127.0.0.1:${port}${this.target.pathname}`;
    return this;
  }

  setDown(down: boolean): void {
    this.down = down;
    if (down) for (const s of this.sockets) s.destroy();
  }

  close(): Promise<void> {
    this.setDown(true);
    return new Promise((r) => this.server.close(() => r()));
  }

  private accept(client: Socket): void {
    if (this.down) return void client.destroy();
    const upstream = connect(Number(this.target.port), this.target.hostname);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }
}

describe('subscribe() and records it cannot decode', () => {
  it('dead-letters garbage and another family’s record to <group>-dlq and goes on', async () => {
    await topicManager.ensure([domainTopic(orders, 1), domainTopic(market, 1)]);
    const publisher = new EventPublisher({
      connection,
      registry,
      source: 'test',
      topics: { OrderEvent: orders },
    });
    closers.push(() => publisher.close());
    const raw = new BusProducer({ connection });
    await raw.connect();
    closers.push(() => raw.disconnect());

    // A record of MarketDataEvent, framed with its own registered schema id, on the order topic.
    const marketSerde = await familySerde(registry, 'MarketDataEvent', { topic: market });
    const foreignBytes = marketSerde.serialize(sampleEvent('PRICE_UPDATE') as never, { topic: market });
    expect(foreignBytes.readInt32BE(1)).toBe(marketSerde.schemaId);
    const garbageBytes = Buffer.from('{"not":"avro"}');

    const before = sampleEvent('ORDER_PLACED');
    const after = [sampleEvent('ORDER_PLACED'), sampleEvent('ORDER_FILLED'), sampleEvent('ORDER_CANCELLED')];
    await publisher.publish(before);
    const garbage = await raw.send({
      topic: orders,
      key: Buffer.from('AAPL'),
      value: garbageBytes,
      headers: { [HEADERS.eventType]: Buffer.from('ORDER_PLACED'), 'x-trace': Buffer.from('kept') },
    });
    const foreign = await raw.send({
      topic: orders,
      key: Buffer.from('AAPL'),
      value: foreignBytes,
      headers: { [HEADERS.eventType]: Buffer.from('ORDER_FILLED') },
    });
    for (const e of after) await publisher.publish(e);

    const seen: string[] = [];
    const failures: BusError[] = [];
    const subscription: Subscription = await subscribe(
      {
        connection,
        registry,
        groupId: group,
        topics: { OrderEvent: orders },
        onFailed: (e) => failures.push(e),
      },
      { families: ['OrderEvent'] },
      (event) => void seen.push(event.header.eventId),
    );
    await waitFor(() => seen.length >= 4 || failures.length > 0, 60_000, 'the valid records');
    expect(failures).toEqual([]);
    expect(seen).toEqual([before, ...after].map((e) => e.header.eventId));

    const dead = await readTopic(connection, `${group}-dlq`, 2, { settleMs: 500 });
    expect(dead).toHaveLength(2);
    const [first, second] = dead;
    expect(first!.value.equals(garbageBytes)).toBe(true);
    expect(first!.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.errorCode]: 'SERDE_MAGIC_BYTE',
      [DEAD_LETTER_HEADERS.retriable]: 'false',
      [DEAD_LETTER_HEADERS.stage]: 'decode',
      [DEAD_LETTER_HEADERS.topic]: orders,
      [DEAD_LETTER_HEADERS.partition]: String(garbage.partition),
      [DEAD_LETTER_HEADERS.offset]: String(garbage.offset),
      [DEAD_LETTER_HEADERS.applicationId]: group,
      // The original headers travel with the dead letter.
      [HEADERS.eventType]: 'ORDER_PLACED',
      'x-trace': 'kept',
    });
    expect(first!.key).toBe('AAPL');
    expect(second!.value.equals(foreignBytes)).toBe(true);
    expect(second!.headers[DEAD_LETTER_HEADERS.errorCode]).toMatch(/^SERDE_/);
    expect(second!.headers[DEAD_LETTER_HEADERS.errorMessage]).toContain(String(marketSerde.schemaId));
    expect(second!.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.stage]: 'decode',
      [DEAD_LETTER_HEADERS.topic]: orders,
      [DEAD_LETTER_HEADERS.partition]: String(foreign.partition),
      [DEAD_LETTER_HEADERS.offset]: String(foreign.offset),
    });

    // Still alive: a record published now is delivered by the same subscription.
    const live = sampleEvent('ORDER_PLACED');
    await publisher.publish(live);
    await waitFor(() => seen.length >= 5, 60_000, 'a record published after the dead letters');
    expect(seen[4]).toBe(live.header.eventId);
    await subscription.close();

    // The group committed past everything: a restart sees only what is new, dead-letters nothing again.
    const restartedSeen: string[] = [];
    const newer = sampleEvent('ORDER_FILLED');
    await publisher.publish(newer);
    const restarted = await subscribe(
      {
        connection,
        registry,
        groupId: group,
        topics: { OrderEvent: orders },
        onFailed: (e) => failures.push(e),
      },
      { families: ['OrderEvent'] },
      (event) => void restartedSeen.push(event.header.eventId),
    );
    closers.push(() => restarted.close());
    await waitFor(() => restartedSeen.length >= 1, 60_000, 'the record published before the restart');
    await new Promise((r) => setTimeout(r, 1000));
    expect(restartedSeen).toEqual([newer.header.eventId]);
    expect(failures).toEqual([]);
    expect(await readTopic(connection, `${group}-dlq`, 2, { settleMs: 1000 })).toHaveLength(2);
  });

  it('holds a valid record while the registry is unreachable and delivers it after, dead-lettering nothing', async () => {
    await topicManager.ensure([domainTopic(held, 1)]);
    const relay = await new RegistryRelay(new URL(connection.registry.url)).start();
    closers.push(() => relay.close());
    const publisher = new EventPublisher({
      connection,
      registry,
      source: 'test',
      topics: { OrderEvent: held },
    });
    closers.push(() => publisher.close());
    const raw = new BusProducer({ connection });
    await raw.connect();
    closers.push(() => raw.disconnect());

    // A second writer id for the same OrderEvent layout, which the subscriber has never seen: it
    // must fetch it from the registry before it can decode the record.
    const variant = { ...(FAMILY_SCHEMAS.OrderEvent as object), doc: `variant ${held}` };
    const variantId = await registry.register(`${held}-variant-value`, variant as never);
    const own = await familySerde(registry, 'OrderEvent', { topic: held });
    expect(variantId).not.toBe(own.schemaId);

    const seen: string[] = [];
    const failures: BusError[] = [];
    const subscription = await subscribe(
      {
        connection,
        registry: new HttpSchemaRegistry({ url: relay.url }),
        groupId: heldGroup,
        topics: { OrderEvent: held },
        onFailed: (e) => failures.push(e),
      },
      { families: ['OrderEvent'] },
      (event) => void seen.push(event.header.eventId),
    );
    closers.push(() => subscription.close());
    await subscription.ready;

    relay.setDown(true);
    const placed = sampleEvent('ORDER_PLACED');
    const bytes = own.serialize(placed as never, { topic: held });
    bytes.writeInt32BE(variantId, 1);
    await raw.send({
      topic: held,
      key: Buffer.from('AAPL'),
      value: bytes,
      headers: { [HEADERS.eventType]: Buffer.from('ORDER_PLACED') },
    });
    const next = sampleEvent('ORDER_FILLED');
    await publisher.publish(next);

    await new Promise((r) => setTimeout(r, 4000));
    expect(seen).toEqual([]); // held, and the record after it waits behind it (order kept)
    expect(failures).toEqual([]);
    expect((await topicManager.describe([`${heldGroup}-dlq`])).size).toBe(0);

    relay.setDown(false);
    await waitFor(() => seen.length >= 2 || failures.length > 0, 90_000, 'the held records');
    expect(failures).toEqual([]);
    expect(seen).toEqual([placed.header.eventId, next.header.eventId]);
    expect((await topicManager.describe([`${heldGroup}-dlq`])).size).toBe(0);
  });
});
