// A steady flow of CRITICAL and HIGH events on a few channels while a fault happens, and the
// check that a client saw each of them exactly once and in order per channel and partition.

import { expect } from 'vitest';
import type { Delivery, GatewayClient } from '../../../../gateway/client/index.js';
import type { EventType } from '../../../../schemas/catalog.js';
import type { SampleOverrides } from '../../../../schemas/samples.js';
import type { Fixture } from './harness.js';

interface Produced {
  channel: string;
  eventId: string;
  topic: string;
  partition: number;
  offset: number;
}

/** Channel → the event types (and overrides) that land on it, for account `account`. */
export function criticalAndHighMix(account: string, symbol: string) {
  const mix: { channel: string; type: EventType; overrides: SampleOverrides<EventType> }[] = [
    {
      channel: `risk:${account}`,
      type: 'RISK_LIMIT_BREACH',
      overrides: { header: { accountId: account } } as never,
    },
    {
      channel: `risk:${account}`,
      type: 'MARGIN_CALL',
      overrides: { header: { accountId: account } } as never,
    },
    {
      channel: `orders:${account}`,
      type: 'ORDER_REJECTED_CRITICAL',
      overrides: { header: { symbol }, payload: { accountId: account } } as never,
    },
    {
      channel: `orders:${account}`,
      type: 'ORDER_FILLED',
      overrides: { header: { symbol }, payload: { accountId: account } } as never,
    },
    { channel: `market:${symbol}`, type: 'PRICE_UPDATE', overrides: { header: { symbol } } as never },
  ];
  return mix;
}

export class EventFlow {
  readonly produced: Produced[] = [];
  private running = false;
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly fx: Fixture,
    private readonly mix: ReturnType<typeof criticalAndHighMix>,
  ) {}

  get channels(): string[] {
    return [...new Set(this.mix.map((m) => m.channel))];
  }

  /** Publishes one event of the mix every `intervalMs`, in rotation, until `stop()`. */
  start(intervalMs: number): void {
    this.running = true;
    this.done = (async () => {
      for (let i = 0; this.running; i++) {
        const m = this.mix[i % this.mix.length]!;
        const eventId = crypto.randomUUID();
        const overrides = {
          ...m.overrides,
          header: { ...(m.overrides.header ?? {}), eventId },
        } as SampleOverrides<EventType>;
        const position = await this.fx.publish(m.type, overrides);
        this.produced.push({ channel: m.channel, eventId, ...position });
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  /** Collects what a client delivers to its handlers. */
  static record(client: GatewayClient): Delivery[] {
    const got: Delivery[] = [];
    client.onDelivery((d) => got.push(d));
    return got;
  }

  /** True once `got` holds an event for every produced one. */
  complete(got: Delivery[]): boolean {
    const ids = new Set(got.map((d) => d.event.header.eventId));
    return this.produced.every((p) => ids.has(p.eventId));
  }

  /** What is still missing, for failure messages. */
  missing(got: Delivery[]): Produced[] {
    const ids = new Set(got.map((d) => d.event.header.eventId));
    return this.produced.filter((p) => !ids.has(p.eventId));
  }

  /** Exactly once, and per channel and partition in log order. */
  verify(got: Delivery[]): void {
    const ids = got.map((d) => d.event.header.eventId);
    expect(new Set(ids).size, 'no event delivered twice').toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(this.produced.map((p) => p.eventId)));
    for (const channel of this.channels) {
      const streams = new Map<string, number[]>();
      for (const d of got.filter((x) => x.channel === channel)) {
        const key = `${d.position.topic}/${d.position.partition}`;
        streams.set(key, [...(streams.get(key) ?? []), d.position.offset]);
      }
      for (const [key, offsets] of streams) {
        const expected = this.produced
          .filter((p) => p.channel === channel && `${p.topic}/${p.partition}` === key)
          .map((p) => p.offset);
        expect(offsets, `${channel} on ${key} in log order`).toEqual(expected);
      }
    }
  }
}
