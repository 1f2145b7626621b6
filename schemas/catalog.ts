// The TradeMaster event catalog (SPEC §3): families, event types, their priority lane, the
// partition key of each family and its domain topic. This table is the one place a priority is
// written down; everything else (lane routing, gateway channels, the Avro schemas' enums, tests)
// derives from it.

/** Priority lanes, highest first. */
export const PRIORITIES = ['CRITICAL', 'HIGH', 'STANDARD', 'BACKGROUND'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** End-to-end processing budget of each lane (SPEC §3), milliseconds. */
export const PRIORITY_BUDGET_MS: Readonly<Record<Priority, number>> = {
  CRITICAL: 25,
  HIGH: 50,
  STANDARD: 100,
  BACKGROUND: 500,
};

interface FamilySpec {
  /** Domain topic the family's services publish to (30-day retention). */
  readonly topic: string;
  /** Field of the event header that is the Kafka record key. */
  readonly keyField: string;
  /** Event types of the family and the lane each one travels on. */
  readonly types: Readonly<Record<string, Priority>>;
}

export const CATALOG = {
  RiskEvent: {
    topic: 'tm.risk',
    keyField: 'accountId',
    types: {
      RISK_LIMIT_BREACH: 'CRITICAL',
      MARGIN_CALL: 'CRITICAL',
      POSITION_LIMIT_EXCEEDED: 'CRITICAL',
      STOP_LOSS_TRIGGERED: 'CRITICAL',
    },
  },
  OrderEvent: {
    topic: 'tm.orders',
    keyField: 'symbol',
    types: {
      ORDER_REJECTED_CRITICAL: 'CRITICAL',
      ORDER_CANCELLED_SYSTEM: 'CRITICAL',
      ORDER_PLACED: 'HIGH',
      ORDER_FILLED: 'HIGH',
      ORDER_PARTIAL_FILL: 'HIGH',
      ORDER_CANCELLED: 'HIGH',
    },
  },
  MarketDataEvent: {
    topic: 'tm.market-data',
    keyField: 'symbol',
    types: {
      PRICE_UPDATE: 'HIGH',
      VOLUME_UPDATE: 'HIGH',
      ORDER_BOOK_CHANGE: 'HIGH',
      TRADE_EXECUTION: 'HIGH',
    },
  },
  PortfolioEvent: {
    topic: 'tm.portfolio',
    keyField: 'userId',
    types: {
      POSITION_UPDATE: 'STANDARD',
      PNL_CHANGE: 'STANDARD',
      BALANCE_UPDATE: 'STANDARD',
      MARGIN_UPDATE: 'STANDARD',
    },
  },
  AgentEvent: {
    topic: 'tm.agents',
    keyField: 'agentId',
    types: {
      AGENT_STATUS_CHANGE: 'STANDARD',
      TASK_COMPLETION: 'STANDARD',
      PERFORMANCE_ALERT: 'STANDARD',
    },
  },
  SystemEvent: {
    topic: 'tm.system',
    keyField: 'service',
    types: {
      SERVICE_HEALTH_CHECK: 'BACKGROUND',
      MAINTENANCE_NOTICE: 'BACKGROUND',
      ANALYTICS_UPDATE: 'BACKGROUND',
    },
  },
  NotificationEvent: {
    topic: 'tm.notifications',
    keyField: 'userId',
    types: {
      USER_NOTIFICATION: 'BACKGROUND',
      SYSTEM_ANNOUNCEMENT: 'BACKGROUND',
      REPORT_GENERATED: 'BACKGROUND',
    },
  },
} as const satisfies Record<string, FamilySpec>;

export type Catalog = typeof CATALOG;
export type EventFamily = keyof Catalog;
/** Event types of one family. */
export type EventTypeOf<F extends EventFamily> = keyof Catalog[F]['types'] & string;
/** Every event type of the catalog (27). */
export type EventType = { [F in EventFamily]: EventTypeOf<F> }[EventFamily];

export const EVENT_FAMILIES = Object.keys(CATALOG) as EventFamily[];

const FAMILY_OF = new Map<string, EventFamily>();
const PRIORITY_OF = new Map<string, Priority>();
for (const family of EVENT_FAMILIES) {
  for (const [type, priority] of Object.entries(CATALOG[family].types)) {
    FAMILY_OF.set(type, family);
    PRIORITY_OF.set(type, priority as Priority);
  }
}

/** Every event type, in catalog order. */
export const EVENT_TYPES = [...FAMILY_OF.keys()] as EventType[];

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && FAMILY_OF.has(value);
}

/** The lane an event type travels on. */
export function priorityOf(type: EventType): Priority {
  const p = PRIORITY_OF.get(type);
  if (!p) throw new RangeError(`unknown event type '${type}'`);
  return p;
}

/** The family an event type belongs to. */
export function familyOf(type: EventType): EventFamily {
  const f = FAMILY_OF.get(type);
  if (!f) throw new RangeError(`unknown event type '${type}'`);
  return f;
}

/** Event types of one family, in catalog order. */
export function eventTypesOf<F extends EventFamily>(family: F): EventTypeOf<F>[] {
  return Object.keys(CATALOG[family].types) as EventTypeOf<F>[];
}

/** Event types that travel on a lane. */
export function eventTypesWithPriority(priority: Priority): EventType[] {
  return EVENT_TYPES.filter((t) => PRIORITY_OF.get(t) === priority);
}

/** Lower is more urgent: CRITICAL = 0 … BACKGROUND = 3. */
export function priorityRank(priority: Priority): number {
  return PRIORITIES.indexOf(priority);
}

/** The lane topic of a priority: processed events travel from the runtime to the gateway on it. */
export function laneTopic(priority: Priority): string {
  return `tm.lane.${priority.toLowerCase()}`;
}

/** Every lane topic, highest priority first. */
export const LANE_TOPICS: readonly string[] = PRIORITIES.map(laneTopic);
