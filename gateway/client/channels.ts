// The channel grammar shared by the gateway and the client SDK. A channel is the only thing a
// client names when it subscribes; it is a Socket.IO room on the server, never a topic. The
// grammar is closed (seven kinds derived from the catalog), so a client cannot invent routing.
// Browser-safe: no Node imports.

/** Every kind of channel, in the order of the catalog families they carry. */
export const CHANNEL_KINDS = [
  'risk',
  'orders',
  'market',
  'portfolio',
  'agents',
  'system',
  'notifications',
] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/**
 * A channel name: `<kind>:<id>`, or `system` alone.
 *
 * @example "market:AAPL", "orders:acct-7", "portfolio:user-42", "system"
 */
export type Channel =
  | `market:${string}`
  | `orders:${string}`
  | `portfolio:${string}`
  | `risk:${string}`
  | `agents:${string}`
  | `notifications:${string}`
  | 'system';

/** Characters an id may use: opaque ids, symbols such as `BRK.B` or `BTC-USD`, `auth0|123` subjects. */
const ID_PATTERN = /^[A-Za-z0-9._|@-]{1,128}$/;
const KINDS_WITH_ID = new Set<string>(CHANNEL_KINDS.filter((k) => k !== 'system'));

export interface ParsedChannel {
  kind: ChannelKind;
  /** The id after the colon; `null` for `system`. */
  id: string | null;
}

/** Parses a channel name, or returns a human-readable reason why it is not one. */
export function parseChannel(name: unknown): ParsedChannel | { error: string } {
  if (typeof name !== 'string') return { error: 'channel must be a string' };
  if (name === 'system') return { kind: 'system', id: null };
  const colon = name.indexOf(':');
  if (colon < 0) return { error: `'${truncate(name)}' is not a channel (expected <kind>:<id> or system)` };
  const kind = name.slice(0, colon);
  const id = name.slice(colon + 1);
  if (!KINDS_WITH_ID.has(kind)) {
    return { error: `unknown channel kind '${truncate(kind)}' (accepted: ${CHANNEL_KINDS.join(', ')})` };
  }
  if (!ID_PATTERN.test(id))
    return { error: `invalid id in channel '${truncate(name)}' (1-128 of A-Z a-z 0-9 . _ | @ -)` };
  return { kind: kind as ChannelKind, id };
}

/** True when `name` is a well-formed channel. */
export function isChannel(name: unknown): name is Channel {
  return !('error' in parseChannel(name));
}

/** Builds a channel name; throws on an id outside the grammar. */
export function channelName(kind: ChannelKind, id?: string | null): Channel {
  const name = kind === 'system' ? 'system' : `${kind}:${id ?? ''}`;
  const parsed = parseChannel(name);
  if ('error' in parsed) throw new RangeError(parsed.error);
  return name as Channel;
}

/**
 * Channels whose deliveries may be conflated for slow clients (latest value per symbol and event
 * type): market data only. Every other channel is delivered in full or resumed.
 */
export function isConflatable(channel: string): boolean {
  return channel.startsWith('market:');
}

function truncate(s: string): string {
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}
