// The services of the end-to-end benchmark, in their own process (forked by bench/e2e.ts): catalog
// events published with the library's `EventPublisher` to the run's domain topics, open loop at
// `rate` events/s in the mix of plan.ts. First one PRICE_UPDATE per symbol (so fills join a
// price), then `warmupSeconds` of load, then `seconds` of load whose events are recorded (id, type,
// send time, channel) to a JSON file the parent reads. Each event's `header.timestamp` (the record
// timestamp) is the wall clock when it was handed to `publish()`.

import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { type EventLike, EventPublisher } from '../../runtime/client/event-publisher.js';
import { type EventType, familyOf, PRIORITIES, type Priority, priorityOf } from '../../schemas/catalog.js';
import { HttpSchemaRegistry } from '../../schemas/index.js';
import { price, quantity } from '../../schemas/sample-payloads.js';
import { sampleEvent } from '../../schemas/samples.js';
import { MsHistogram } from './analysis.js';
import {
  AGENTS,
  accountId,
  agentOf,
  basePrice,
  HOT_EXPOSURE_LIMIT,
  isHot,
  mixSequence,
  type SentEvent,
  setupFromEnv,
  symbolOf,
  topicsOf,
} from './plan.js';

const setup = setupFromEnv();
const topics = topicsOf(setup);
const send = (m: unknown) => process.send?.(m);
const now = () => performance.timeOrigin + performance.now();

const registry = new HttpSchemaRegistry({ url: setup.connection.registry.url });
const publisher = new EventPublisher({
  connection: setup.connection,
  registry,
  source: 'e2e-load',
  topics: topics.domain,
});

/** Gross exposure of each hot account so far (all buys at unmoving prices): which fills breach. */
const exposure = new Map<number, number>();
const FILL_QUANTITY = 60;

/** What event number `n` of type `type` is: the event, its channel, and for a fill its account. */
function build(
  type: EventType,
  n: number,
): { event: EventLike; channel: string; account?: number; breach?: boolean } {
  const sym = n % setup.symbols;
  const symbol = symbolOf(sym);
  const p = basePrice(sym);
  const a = n % setup.accounts;
  const account = accountId(a);
  switch (familyOf(type)) {
    case 'MarketDataEvent': {
      const payload =
        type === 'PRICE_UPDATE'
          ? { last: price(p), bid: price(p - 0.01), ask: price(p + 0.01), sequence: n }
          : {};
      return {
        event: sampleEvent(type, { header: { symbol }, payload } as never),
        channel: `market:${symbol}`,
      };
    }
    case 'OrderEvent': {
      const side = type === 'ORDER_FILLED' && !isHot(a) && n % 2 === 1 ? 'SELL' : 'BUY';
      const fill = type === 'ORDER_FILLED';
      const payload = fill
        ? {
            accountId: account,
            side,
            fillPrice: price(p),
            fillQuantity: quantity(FILL_QUANTITY),
            orderId: `E2E-${n}`,
          }
        : { accountId: account };
      let breach: boolean | undefined;
      if (fill && isHot(a)) {
        const after = (exposure.get(a) ?? 0) + FILL_QUANTITY * p;
        exposure.set(a, after);
        breach = after > HOT_EXPOSURE_LIMIT;
      }
      return {
        event: sampleEvent(type, { header: { symbol }, payload } as never),
        channel: `orders:${account}`,
        account: fill ? a : undefined,
        breach,
      };
    }
    case 'AgentEvent': {
      const agentId = agentOf(n % AGENTS);
      return { event: sampleEvent(type, { header: { agentId } } as never), channel: `agents:${agentId}` };
    }
    case 'NotificationEvent': {
      const userId = `e2e-u-${a}`;
      return {
        event: sampleEvent(type, { header: { userId } } as never),
        channel: `notifications:${userId}`,
      };
    }
    default:
      return { event: sampleEvent(type), channel: 'system' };
  }
}

// Per lane: send → the broker acknowledged the input (the publisher's own Kafka hop).
const ackLatency = Object.fromEntries(PRIORITIES.map((p) => [p, new MsHistogram()])) as Record<
  Priority,
  MsHistogram
>;
let measuring = false;
let acked = 0;
let failed = 0;
let firstError: string | undefined;
let inflight = 0;
const MAX_INFLIGHT = 100_000;

function publish(event: EventLike, sent: number, lane: Priority): void {
  inflight++;
  const timed = measuring;
  publisher.publish(event).then(
    () => {
      inflight--;
      acked++;
      if (timed) ackLatency[lane].record(now() - sent);
    },
    (e: unknown) => {
      inflight--;
      failed++;
      firstError ??= String(e);
    },
  );
}

// One price per symbol first: a fill whose symbol has no price yet is dropped by the join.
await Promise.all(
  Array.from({ length: setup.symbols }, (_, s) => publisher.publish(build('PRICE_UPDATE', s).event)),
);
send({ kind: 'ready' });
await new Promise<void>((resolve) => process.once('message', () => resolve()));

const sequence = mixSequence();
const counters = new Map<EventType, number>();
const recorded: SentEvent[] = [];
const start = now();
const windowStart = start + setup.warmupSeconds * 1000;
const end = windowStart + setup.seconds * 1000;
let produced = 0;
let cpu = process.cpuUsage();
let cpuInWindow: NodeJS.CpuUsage | undefined;
while (true) {
  const t = now();
  if (t >= end) break;
  if (!cpuInWindow && t >= windowStart) {
    cpu = process.cpuUsage();
    cpuInWindow = cpu;
  }
  const due = Math.floor(((t - start) / 1000) * setup.rate);
  for (; produced < due; produced++) {
    // Bounded: a broker that stops acknowledging must not grow this process without end.
    if (inflight >= MAX_INFLIGHT) break;
    const type = sequence[produced % sequence.length]!;
    const n = counters.get(type) ?? 0;
    counters.set(type, n + 1);
    const { event, channel, account, breach } = build(type, n);
    const sent = now();
    measuring = sent >= windowStart;
    event.header.timestamp = Date.now();
    publish(event, sent, priorityOf(type));
    if (sent >= windowStart)
      recorded.push({ id: event.header.eventId, type, sent, channel, account, breach });
  }
  await new Promise((r) => setTimeout(r, 1));
}
const used = process.cpuUsage(cpu);
// Events the schedule wanted by the end that were never sent (the publisher fell behind).
const behind = Math.max(0, Math.floor(((end - start) / 1000) * setup.rate) - produced);
while (inflight > 0) await new Promise((r) => setTimeout(r, 10));
const file = `/tmp/e2e-${setup.run}-sent.json`;
writeFileSync(file, JSON.stringify(recorded));
send({
  kind: 'done',
  file,
  windowStart,
  windowEnd: end,
  produced,
  acked,
  failed,
  firstError,
  behindAtEnd: behind,
  ackMs: Object.fromEntries(PRIORITIES.map((p) => [p, ackLatency[p].summary()])),
  cpuPercent: Math.round(((used.user + used.system) / 1000 / (setup.seconds * 1000)) * 100),
});
// A flush that times out on an overloaded machine must not turn a finished run into a crash.
await publisher.close().catch(() => undefined);
process.exit(0);
