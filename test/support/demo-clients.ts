// What the demo tests check against a running `tmbus demo`, embedded or on Kafka: trader A's
// client receives market data, order and portfolio events and a CRITICAL risk alert on its own
// channels; trader B's client is refused A's orders channel and never sees one of A's orders.

import { expect } from 'vitest';
import { type Delivery, GatewayClient } from '../../gateway/client/index.js';

export interface DemoTrader {
  readonly url: string;
  readonly token: string;
  readonly sub: string;
  readonly account: string;
}

/** Waits until `check()` is true, polling every 100 ms; fails naming `what` after `timeoutMs`. */
export async function waitUntil(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Connects A and B, subscribes, and waits for A's events (at most `timeoutMs`).
 * Returns the clients closed.
 */
export async function expectTradersIsolated(
  a: DemoTrader,
  b: DemoTrader,
  symbols: readonly string[],
  timeoutMs: number,
): Promise<{ a: Delivery[]; b: Delivery[] }> {
  const clientA = new GatewayClient({ url: a.url, token: a.token });
  const clientB = new GatewayClient({ url: b.url, token: b.token });
  const gotA: Delivery[] = [];
  const gotB: Delivery[] = [];
  clientA.onDelivery((d) => gotA.push(d));
  clientB.onDelivery((d) => gotB.push(d));
  try {
    await clientA.connect();
    await clientB.connect();
    const channelsA = [
      ...symbols.map((s) => `market:${s}`),
      `orders:${a.account}`,
      `risk:${a.account}`,
      `portfolio:${a.sub}`,
    ];
    for (const channel of channelsA) {
      const ack = await clientA.subscribe(channel);
      expect(ack, channel).toMatchObject({ ok: true });
    }
    const refused = await clientB.subscribe(`orders:${a.account}`);
    expect(refused).toMatchObject({ ok: false, code: 'AUTH_FORBIDDEN' });
    expect(await clientB.subscribe(`orders:${b.account}`)).toMatchObject({ ok: true });

    const kinds = () => new Set(gotA.map((d) => d.channel.split(':')[0]));
    const critical = () => gotA.some((d) => d.channel === `risk:${a.account}` && d.priority === 'CRITICAL');
    await waitUntil(
      () => ['market', 'orders', 'portfolio'].every((k) => kinds().has(k)) && critical(),
      timeoutMs,
      () =>
        `A's market, orders, portfolio and a CRITICAL risk alert (got ${[...kinds()].join(', ') || 'nothing'}${critical() ? ', critical' : ''})`,
    );
    // B keeps receiving its own orders, and none of A's.
    await waitUntil(
      () => gotB.length > 0,
      timeoutMs,
      () => "trader B's own orders",
    );
    const ordersA = gotA.filter((d) => d.channel.startsWith('orders:'));
    for (const d of ordersA) expect(d.channel).toBe(`orders:${a.account}`);
    expect(JSON.stringify(ordersA[0]?.event)).toContain(a.account);
    for (const d of gotB) expect(d.channel).toBe(`orders:${b.account}`);
    expect(JSON.stringify(gotB)).not.toContain(a.account);
    return { a: gotA, b: gotB };
  } finally {
    clientA.close();
    clientB.close();
  }
}
