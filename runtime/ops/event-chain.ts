// An event chain as a causation tree: every event of one correlation id hangs under the event
// named by its causationId, siblings ordered by their header timestamp. Pure data in, text out,
// so the shape of `tmbus chain` output is unit-tested without a broker.

/** One event of a chain, as found in Kafka. */
export interface ChainEvent {
  eventId: string;
  /** eventId of the event that caused this one; `null` for the first event of a chain. */
  causationId: string | null;
  correlationId: string;
  eventType: string;
  /** Envelope header timestamp (when the event happened at its source), epoch ms. */
  timestamp: number;
  source: string | undefined;
  topic: string;
  partition: number;
  offset: number;
  /** Decoded payload (catalog events) or whole value (others); absent when undecodable. */
  payload?: unknown;
  /** Why the value could not be decoded (the event is still placed by its Kafka headers). */
  decodeError?: string;
}

export interface ChainNode {
  event: ChainEvent;
  children: ChainNode[];
  /** Set on a root whose causationId names an event that was not found in the scanned range. */
  missingCause?: string;
}

/** The events ordered by header timestamp (then position), and the causation forest over them. */
export interface EventChain {
  correlationId: string;
  events: ChainEvent[];
  roots: ChainNode[];
}

const byTime = (a: ChainEvent, b: ChainEvent) =>
  a.timestamp - b.timestamp ||
  a.topic.localeCompare(b.topic) ||
  a.partition - b.partition ||
  a.offset - b.offset;

/**
 * Builds the causation forest of `events`. An event whose cause is absent becomes a root marked
 * with `missingCause`; a repeated eventId (a redelivery) is kept once, at its first position.
 */
export function buildEventChain(correlationId: string, events: readonly ChainEvent[]): EventChain {
  const ordered = [...events].sort(byTime);
  const nodes = new Map<string, ChainNode>();
  for (const event of ordered)
    if (!nodes.has(event.eventId)) nodes.set(event.eventId, { event, children: [] });
  const roots: ChainNode[] = [];
  for (const node of nodes.values()) {
    const cause = node.event.causationId;
    const parent = cause ? nodes.get(cause) : undefined;
    if (parent && parent !== node && !isAncestor(node, parent, nodes)) parent.children.push(node);
    else {
      if (cause && !parent) node.missingCause = cause;
      roots.push(node);
    }
  }
  return { correlationId, events: [...nodes.values()].map((n) => n.event), roots };
}

/** True when `candidate` is `node` or one of its ancestors would be `node` (a causation cycle). */
function isAncestor(node: ChainNode, candidate: ChainNode, nodes: Map<string, ChainNode>): boolean {
  const seen = new Set<string>();
  let current: ChainNode | undefined = candidate;
  while (current && !seen.has(current.event.eventId)) {
    if (current === node) return true;
    seen.add(current.event.eventId);
    const cause: string | null = current.event.causationId;
    current = cause ? nodes.get(cause) : undefined;
  }
  return false;
}

export interface FormatChainOptions {
  /** Append each event's payload as compact JSON. @default false */
  payloads?: boolean;
}

/**
 * Renders the forest as an indented tree, one event per line:
 * `ORDER_FILLED  2024-05-01T09:30:00.120Z  tm.orders[3]@812  <eventId> ← <causationId>`.
 */
export function formatEventChain(chain: EventChain, options: FormatChainOptions = {}): string {
  const lines = [`correlation ${chain.correlationId}: ${chain.events.length} event(s)`];
  const walk = (node: ChainNode, prefix: string, last: boolean, root: boolean) => {
    const e = node.event;
    const branch = root ? '' : last ? '└─ ' : '├─ ';
    const link = e.causationId ? ` ← ${e.causationId}` : '';
    const missing = node.missingCause ? ' (cause not found in the scanned range)' : '';
    const extra = e.decodeError ? ` [undecodable: ${e.decodeError}]` : '';
    const payload = options.payloads && e.payload !== undefined ? `  ${compactJson(e.payload)}` : '';
    lines.push(
      `${prefix}${branch}${e.eventType}  ${new Date(e.timestamp).toISOString()}  ` +
        `${e.topic}[${e.partition}]@${e.offset}  ${e.eventId}${link}${missing}${extra}${payload}`,
    );
    const childPrefix = root ? prefix : prefix + (last ? '   ' : '│  ');
    const children = [...node.children].sort((a, b) => byTime(a.event, b.event));
    children.forEach((child, i) => {
      walk(child, childPrefix, i === children.length - 1, false);
    });
  };
  for (const root of chain.roots) walk(root, '', true, true);
  return lines.join('\n');
}

function compactJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}
