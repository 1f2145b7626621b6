// The end-to-end benchmark's load plan, shared by every process of a run: the accounts (half of
// them "hot", with a tiny exposure limit so every buy fill raises a CRITICAL RISK_LIMIT_BREACH),
// the symbols, the event mix the publisher cycles through, which channels each client subscribes
// to, and which lane records each published event must produce (its own copy through the lane
// router, or the alerts and portfolio events the risk and portfolio topologies derive from a fill,
// whose ids are derived deterministically from the fill's id).

import type { ConnectionConfig } from '../../core/config.js';
import { AccountDirectory, type DemoAccount } from '../../examples/accounts.js';
import { derivedId } from '../../examples/events.js';
import { type DemoTopics, demoTopics } from '../../examples/topics.js';
import { type EventType, PRIORITIES, type Priority, priorityOf } from '../../schemas/catalog.js';

/** Everything a process of the run needs, passed as JSON in `E2E_SETUP`. */
export interface E2eSetup {
  readonly run: string;
  /** Topic, group and registry-subject prefix of this run. */
  readonly prefix: string;
  readonly connection: ConnectionConfig;
  /** Input events per second (all families together). */
  readonly rate: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly clients: number;
  readonly symbols: number;
  readonly accounts: number;
  readonly partitions: number;
  readonly auth: { readonly secret: string; readonly issuer: string; readonly audience: string };
}

export const setupFromEnv = (): E2eSetup => JSON.parse(process.env.E2E_SETUP ?? '') as E2eSetup;

export const topicsOf = (setup: Pick<E2eSetup, 'prefix'>): DemoTopics => demoTopics(setup.prefix);

/** Lane index (0 = CRITICAL … 3 = BACKGROUND) of a lane topic, as clients and the probe record it. */
export function laneIndexOf(topics: DemoTopics): Map<string, number> {
  return new Map(PRIORITIES.map((p, i) => [topics.lanes[p], i]));
}

/** A client's delivery record: lane index, partition, offset, receive time (epoch ms), client index. */
export const DELIVERY_FIELDS = 5;

export const accountId = (i: number) => `E2E-ACC-${i}`;
export const symbolOf = (i: number) => `S${i}`;
export const agentOf = (i: number) => `e2e-agent-${i}`;
export const AGENTS = 10;

/**
 * Even accounts are hot: they only buy, at prices that do not move, so their exposure grows with
 * every fill; once past the limit each fill breaches it again.
 */
export const isHot = (accountIndex: number) => accountIndex % 2 === 0;

/** Exposure limit of a hot account, USD. */
export const HOT_EXPOSURE_LIMIT = 10_000;

export function e2eAccounts(count: number): DemoAccount[] {
  return Array.from({ length: count }, (_, i) => ({
    accountId: accountId(i),
    userId: `e2e-u-${i}`,
    capital: isHot(i) ? 50_000 : 1e12,
    exposureLimit: isHot(i) ? HOT_EXPOSURE_LIMIT : 1e13,
    positionLimit: 1e12,
    style: isHot(i) ? ('aggressive' as const) : ('balanced' as const),
  }));
}

export const e2eDirectory = (setup: Pick<E2eSetup, 'accounts'>) =>
  new AccountDirectory(e2eAccounts(setup.accounts));

/**
 * Price of a symbol. It does not move: a hot account's exposure then grows with every buy (so every
 * buy breaches), and no stop-loss fires.
 */
export const basePrice = (symbol: number) => 50 + (symbol % 150);

/**
 * Input mix, per 1,000 events. Market data is the background load (HIGH lane, 85%); fills drive
 * the risk (CRITICAL) and portfolio (STANDARD) topologies.
 */
export const MIX: readonly (readonly [EventType, number])[] = [
  ['PRICE_UPDATE', 400],
  ['ORDER_BOOK_CHANGE', 300],
  ['TRADE_EXECUTION', 100],
  ['VOLUME_UPDATE', 50],
  ['ORDER_PLACED', 30],
  ['ORDER_FILLED', 50],
  ['ORDER_CANCELLED', 10],
  ['ORDER_REJECTED_CRITICAL', 5],
  ['ORDER_CANCELLED_SYSTEM', 5],
  ['AGENT_STATUS_CHANGE', 10],
  ['TASK_COMPLETION', 10],
  ['SERVICE_HEALTH_CHECK', 15],
  ['USER_NOTIFICATION', 15],
];

/** The mix as a repeating sequence of 1,000 types, interleaved so each type is spread evenly. */
export function mixSequence(): EventType[] {
  const slots: { type: EventType; at: number }[] = [];
  for (const [type, n] of MIX) for (let k = 0; k < n; k++) slots.push({ type, at: (k + 0.5) / n });
  return slots.sort((a, b) => a.at - b.at).map((s) => s.type);
}

/** The channels client `i` subscribes to (a trader of one account; every 10th also an ops console). */
export function channelsOf(i: number, setup: Pick<E2eSetup, 'accounts' | 'symbols'>): string[] {
  const a = i % setup.accounts;
  const user = `e2e-u-${a}`;
  const channels = [
    `risk:${accountId(a)}`,
    `orders:${accountId(a)}`,
    `portfolio:${user}`,
    `notifications:${user}`,
    `market:${symbolOf(i % setup.symbols)}`,
  ];
  if (isOps(i)) channels.push('system', `agents:${agentOf((i / 10) % AGENTS)}`);
  return channels;
}

export const isOps = (i: number) => i % 10 === 0;

/** Subscribers per channel over all clients. */
export function subscribersByChannel(setup: Pick<E2eSetup, 'accounts' | 'symbols' | 'clients'>) {
  const out = new Map<string, number>();
  for (let i = 0; i < setup.clients; i++)
    for (const c of channelsOf(i, setup)) out.set(c, (out.get(c) ?? 0) + 1);
  return out;
}

/** One event the publisher sent in the measurement window. */
export interface SentEvent {
  readonly id: string;
  readonly type: EventType;
  /** Epoch ms with sub-ms precision, taken right before `publish()`. */
  readonly sent: number;
  readonly channel: string;
  /** Set on fills: the account index (hot accounts raise alerts). */
  readonly account?: number;
  /** Set on fills that take a hot account's exposure past its limit (or further past it). */
  readonly breach?: boolean;
}

/** A lane record an input must produce (`required`) or may produce (a margin call once per episode). */
export interface ExpectedRecord {
  readonly id: string;
  readonly type: EventType;
  readonly lane: Priority;
  readonly sent: number;
  readonly channel: string;
  readonly required: boolean;
  /** `router` (the input itself on its lane), `risk` or `portfolio` (derived). */
  readonly via: 'router' | 'risk' | 'portfolio';
}

/** The lane records that the events sent in the window produce. */
export function expectedRecords(sent: readonly SentEvent[]): Map<string, ExpectedRecord> {
  const out = new Map<string, ExpectedRecord>();
  const add = (r: ExpectedRecord) => out.set(r.id, r);
  for (const e of sent) {
    add({
      id: e.id,
      type: e.type,
      lane: priorityOf(e.type),
      sent: e.sent,
      channel: e.channel,
      required: true,
      via: 'router',
    });
    if (e.type !== 'ORDER_FILLED' || e.account === undefined) continue;
    const fill = { eventId: e.id };
    const user = `e2e-u-${e.account}`;
    for (const type of ['POSITION_UPDATE', 'PNL_CHANGE'] as const)
      add({
        id: derivedId(fill, type),
        type,
        lane: 'STANDARD',
        sent: e.sent,
        channel: `portfolio:${user}`,
        required: true,
        via: 'portfolio',
      });
    const risk = `risk:${accountId(e.account)}`;
    if (e.breach)
      add({
        id: derivedId(fill, 'RISK_LIMIT_BREACH'),
        type: 'RISK_LIMIT_BREACH',
        lane: 'CRITICAL',
        sent: e.sent,
        channel: risk,
        required: true,
        via: 'risk',
      });
    for (const type of ['MARGIN_CALL', 'POSITION_LIMIT_EXCEEDED', 'STOP_LOSS_TRIGGERED'] as const)
      add({
        id: derivedId(fill, type),
        type,
        lane: 'CRITICAL',
        sent: e.sent,
        channel: risk,
        required: false,
        via: 'risk',
      });
  }
  return out;
}
