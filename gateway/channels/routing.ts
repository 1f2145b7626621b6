// Which channel an event goes to: a small table per catalog family (channel kind + where the id
// sits in the event) and a pure function over the decoded event. The same table tells the replay
// reader which lanes can hold a channel's events, so routing and resume can never disagree.
//
// Order events are routed by `payload.accountId`: every OrderEvent payload carries it (only
// ORDER_PLACED also carries `userId`), and one account channel keeps an order's whole lifecycle
// in one ordered stream. Deployments whose order payloads carry `userId` route by it in config.

import { z } from 'zod';
import {
  CATALOG,
  EVENT_FAMILIES,
  type EventFamily,
  type EventType,
  eventTypesOf,
  familyOf,
  isEventType,
  PRIORITIES,
  type Priority,
  priorityOf,
} from '../../schemas/catalog.js';
import { CHANNEL_KINDS, type Channel, type ChannelKind, parseChannel } from '../client/channels.js';

export const routeRuleSchema = z.object({
  /** Event types the rule applies to. @default every type of the family not taken by an earlier rule */
  types: z.array(z.string()).optional(),
  kind: z.enum(CHANNEL_KINDS),
  /**
   * Dotted paths to the channel id, tried in order (`null` for `system`). A path may skip one level
   * of union wrapping (`payload.accountId` also finds `payload.OrderFilled.accountId`).
   * @example ["payload.accountId"]
   */
  key: z.array(z.string().min(1)).min(1).nullable(),
});

export type RouteRule = z.infer<typeof routeRuleSchema>;
export type RouteTable = Record<EventFamily, RouteRule[]>;

export const DEFAULT_ROUTES: RouteTable = {
  RiskEvent: [{ kind: 'risk', key: ['header.accountId'] }],
  OrderEvent: [{ kind: 'orders', key: ['payload.accountId'] }],
  MarketDataEvent: [{ kind: 'market', key: ['header.symbol'] }],
  PortfolioEvent: [{ kind: 'portfolio', key: ['header.userId'] }],
  AgentEvent: [{ kind: 'agents', key: ['header.agentId'] }],
  SystemEvent: [{ kind: 'system', key: null }],
  NotificationEvent: [
    { types: ['SYSTEM_ANNOUNCEMENT'], kind: 'system', key: null },
    { kind: 'notifications', key: ['header.userId'] },
  ],
};

/**
 * Where a record whose value cannot be decoded belonged, from its `tm-event-type` header and its
 * key: the channel when those name it, else the channel kind (or nothing) it may belong to.
 */
export type UndecodableRoute = { channel: Channel } | { kind: ChannelKind | undefined };

export interface ChannelRouter {
  /** The channel of a decoded event, or null when it names no usable id (counted, not delivered). */
  channelOf(event: { header?: Record<string, unknown> }): Channel | null;
  /**
   * The channel of a record that could not be decoded. The channel is known when the event type's
   * route needs no id (`system`) or reads the id from the header field the record is keyed by
   * (the catalog's partition key: risk by account, market by symbol, …); order events are routed by
   * `payload.accountId` while keyed by symbol, so only their kind is known.
   */
  routeOfUndecodable(eventType: string | undefined, key: string | undefined): UndecodableRoute;
  /** Lanes that can carry events of a channel, highest first. */
  lanesOf(channel: string): Priority[];
}

export function createChannelRouter(
  overrides: Partial<Record<EventFamily, RouteRule[]>> = {},
): ChannelRouter {
  const table: RouteTable = { ...DEFAULT_ROUTES, ...overrides };
  const ruleOfType = new Map<EventType, RouteRule>();
  const lanesOfKind = new Map<ChannelKind, Set<Priority>>();
  for (const family of EVENT_FAMILIES) {
    for (const type of eventTypesOf(family)) {
      const rule = table[family].find((r) => r.types === undefined || r.types.includes(type));
      if (!rule) continue;
      ruleOfType.set(type, rule);
      let lanes = lanesOfKind.get(rule.kind);
      if (!lanes) {
        lanes = new Set();
        lanesOfKind.set(rule.kind, lanes);
      }
      lanes.add(priorityOf(type));
    }
  }
  return {
    channelOf(event) {
      const type = event.header?.eventType;
      if (!isEventType(type)) return null;
      const rule = ruleOfType.get(type);
      if (!rule) return null;
      if (rule.key === null) return rule.kind === 'system' ? 'system' : null;
      for (const path of rule.key) {
        const id = readPath(event, path);
        if (id === undefined) continue;
        const name = `${rule.kind}:${id}`;
        return 'error' in parseChannel(name) ? null : (name as Channel);
      }
      return null;
    },
    routeOfUndecodable(eventType, key) {
      if (!isEventType(eventType)) return { kind: undefined };
      const rule = ruleOfType.get(eventType);
      if (!rule) return { kind: undefined };
      if (rule.key === null) return rule.kind === 'system' ? { channel: 'system' } : { kind: rule.kind };
      const byKey = rule.key[0] === `header.${CATALOG[familyOf(eventType)].keyField}`;
      if (!byKey || !key) return { kind: rule.kind };
      const name = `${rule.kind}:${key}`;
      return 'error' in parseChannel(name) ? { kind: rule.kind } : { channel: name as Channel };
    },
    lanesOf(channel) {
      const parsed = parseChannel(channel);
      if ('error' in parsed) return [];
      const lanes = lanesOfKind.get(parsed.kind) ?? new Set<Priority>();
      return PRIORITIES.filter((p) => lanes.has(p));
    },
  };
}

/** A string at a dotted path, looking through one level of Avro union wrapping at each step. */
export function readPath(root: unknown, path: string): string | undefined {
  let node: unknown = root;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    const obj = node as Record<string, unknown>;
    if (part in obj) {
      node = obj[part];
      continue;
    }
    const keys = Object.keys(obj);
    const only = keys.length === 1 ? obj[keys[0]!] : undefined;
    if (only === null || typeof only !== 'object' || !(part in (only as object))) return undefined;
    node = (only as Record<string, unknown>)[part];
  }
  return typeof node === 'string' && node.length > 0 ? node : undefined;
}

/** Validates configured route overrides against the catalog (unknown families or types). */
export function checkRoutes(overrides: Record<string, RouteRule[]>): string | undefined {
  for (const [family, rules] of Object.entries(overrides)) {
    if (!(family in CATALOG)) return `unknown event family '${family}'`;
    for (const r of rules) {
      for (const t of r.types ?? []) {
        if (!isEventType(t) || familyOf(t) !== family) return `'${t}' is not an event type of ${family}`;
      }
      if (r.key === null && r.kind !== 'system') return `a ${r.kind} route needs a key path`;
    }
  }
  return undefined;
}
