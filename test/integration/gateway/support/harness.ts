// Fixtures for the gateway integration tests, against the real Kafka, schema registry and Redis:
// fresh lane topics, Redis prefixes and consumer groups per test, tokens signed with a test
// secret, gateway instances, Avro events produced to the lanes through the schemas layer, and SDK
// clients. Every resource a factory creates is registered for `cleanup()`.

import { SignJWT } from 'jose';
import { pino } from 'pino';
import { GatewayClient, type GatewayClientOptions } from '../../../../gateway/client/index.js';
import type { GatewayConfigInput } from '../../../../gateway/config.js';
import { createGateway, type Gateway } from '../../../../gateway/gateway.js';
import { BusProducer } from '../../../../runtime/kafka/producer.js';
import { TopicManager } from '../../../../runtime/kafka/topics.js';
import {
  CATALOG,
  type EventType,
  familyOf,
  PRIORITIES,
  type Priority,
  priorityOf,
} from '../../../../schemas/catalog.js';
import { createEventSerde, type EventSerde } from '../../../../schemas/event-serde.js';
import { HttpSchemaRegistry } from '../../../../schemas/http-registry.js';
import { type SampleOverrides, sampleEvent } from '../../../../schemas/samples.js';
import { servicesConfig, uniqueName } from '../../../support/services.js';

export const SECRET = 'gateway-integration-test-secret-0123456789abcdef';
export const ISSUER = 'https://idp.test.trademaster';
export const AUDIENCE = 'tm-gateway-test';

export const connection = servicesConfig();
export const redisUrl = connection.redis?.url ?? 'redis://127.0.0.1:16379';

/** Signs an HS256 token; `exp` one hour ahead unless given. */
export async function token(
  sub: string,
  roles: string[],
  extra: Record<string, unknown> = {},
  expiresIn: string | number = '1h',
): Promise<string> {
  return new SignJWT({ roles, ...extra })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(SECRET));
}

export interface Fixture {
  lanes: Record<Priority, string>;
  groupId: string;
  keyPrefix: string;
  channelPrefix: string;
  /** Gateway configuration of this fixture, with `overrides` merged at the top level. */
  config(overrides?: Partial<GatewayConfigInput>): GatewayConfigInput;
  startGateway(overrides?: Partial<GatewayConfigInput>): Promise<{ gateway: Gateway; url: string }>;
  client(url: string, options?: Partial<GatewayClientOptions>): GatewayClient;
  /** Produces a sample event to its lane; resolves with its position once acknowledged. */
  publish<T extends EventType>(
    type: T,
    overrides?: SampleOverrides<T>,
  ): Promise<{ topic: string; partition: number; offset: number }>;
  cleanup(): Promise<void>;
}

/** Creates four fresh lane topics (`partitions` each) and the serdes and producer to fill them. */
export async function createFixture(name: string, partitions = 2): Promise<Fixture> {
  const lanes = Object.fromEntries(
    PRIORITIES.map((p) => [p, uniqueName(`gw-${name}-${p.toLowerCase()}`)]),
  ) as Record<Priority, string>;
  const topics = new TopicManager(connection);
  await topics.ensure(PRIORITIES.map((p) => ({ name: lanes[p], partitions })));
  const registry = new HttpSchemaRegistry({ url: connection.registry.url });
  const serdes = new Map<Priority, EventSerde>();
  for (const p of PRIORITIES) serdes.set(p, await createEventSerde(registry, { topic: lanes[p] }));
  const producer = new BusProducer({ connection, clientId: uniqueName('gw-test-producer') });
  await producer.connect();
  const groupId = uniqueName(`gw-${name}-group`);
  const keyPrefix = `${uniqueName(`gwt-${name}`)}:`;
  const channelPrefix = uniqueName(`gwt-${name}-ch`);
  const gateways: Gateway[] = [];
  const clients: GatewayClient[] = [];

  const config = (overrides: Partial<GatewayConfigInput> = {}): GatewayConfigInput => ({
    connection: { ...connection, redis: { url: redisUrl } },
    lanes: { topics: lanes, groupId, startFrom: 'earliest' },
    redis: { keyPrefix, channelPrefix },
    auth: { jwt: { secret: SECRET, issuer: ISSUER, audience: AUDIENCE } },
    ...overrides,
  });

  return {
    lanes,
    groupId,
    keyPrefix,
    channelPrefix,
    config,
    async startGateway(overrides) {
      const logger = process.env.GW_TEST_LOG
        ? pino({ level: process.env.GW_TEST_LOG }, pino.destination({ dest: 2, sync: true }))
        : undefined;
      const gateway = await createGateway(config(overrides), { logger });
      gateways.push(gateway);
      const { url } = await gateway.listen();
      return { gateway, url };
    },
    client(url, options = {}) {
      const c = new GatewayClient({
        url,
        socketOptions: { reconnectionDelay: 100, reconnectionDelayMax: 500 },
        ...options,
      });
      clients.push(c);
      return c;
    },
    async publish(type, overrides) {
      const event = sampleEvent(type, overrides);
      const priority = priorityOf(type);
      const topic = lanes[priority];
      const key = String(
        (event.header as unknown as Record<string, unknown>)[CATALOG[familyOf(type)].keyField],
      );
      const value = serdes.get(priority)!.serialize(event, { topic });
      return producer.send({ topic, key: Buffer.from(key), value });
    },
    async cleanup() {
      const t0 = Date.now();
      const step = (what: string) =>
        process.env.GW_TEST_LOG && console.log(`cleanup ${what} +${Date.now() - t0}ms`);
      for (const c of clients) c.close();
      await Promise.allSettled(gateways.map((g) => g.close()));
      step('gateways closed');
      await producer.disconnect();
      step('producer closed');
      await topics.delete(Object.values(lanes));
      step('topics deleted');
    },
  };
}

/** Waits until `predicate` holds, polling every 25 ms. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until the gateways together own every partition of the four lanes. */
export async function waitForAssignment(
  gateways: Gateway[],
  partitionsPerLane: number,
  timeoutMs = 60_000,
): Promise<void> {
  await eventually(
    () =>
      gateways.reduce((n, g) => n + g.lanePartitions().length, 0) === partitionsPerLane * PRIORITIES.length,
    timeoutMs,
    'lane partitions assigned',
  );
}
