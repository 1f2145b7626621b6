// Authorization: roles in the token map to channel patterns. A pattern is `*` (every channel),
// `<kind>:*`, `<kind>:{sub}` / `<kind>:{account}` (the principal's own id or account), a literal
// channel, or `system`. The policy is data (configurable, validated at start-up) and the check is
// a pure function, so the default rules are unit-tested line by line.

import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { CHANNEL_KINDS, parseChannel } from '../client/channels.js';

const PATTERN = new RegExp(
  `^(\\*|system|(${CHANNEL_KINDS.join('|')}):(\\*|\\{sub\\}|\\{account\\}|[A-Za-z0-9._|@-]{1,128}))$`,
);

const patternSchema = z
  .string()
  .regex(PATTERN, 'a channel pattern: *, system, <kind>:*, <kind>:{sub}, <kind>:{account} or <kind>:<id>');

/** What each role may subscribe to when the configuration says nothing. */
export const DEFAULT_ROLE_PATTERNS: Readonly<Record<string, readonly string[]>> = {
  trader: [
    'market:*',
    'orders:{sub}',
    'orders:{account}',
    'portfolio:{sub}',
    'notifications:{sub}',
    'risk:{account}',
    'system',
  ],
  'risk-manager': ['risk:*', 'market:*', 'system'],
  admin: ['*'],
  // Services get their channels per service name from `authorization.services`.
  service: [],
};

export const policyConfigSchema = z.object({
  /**
   * Channel patterns per role (replaces the defaults when given).
   * @default DEFAULT_ROLE_PATTERNS (trader, risk-manager, admin, service)
   * @example { trader: ["market:*", "orders:{account}"], auditor: ["orders:*"] }
   */
  roles: z
    .record(z.string().min(1), z.array(patternSchema))
    .default(() => Object.fromEntries(Object.entries(DEFAULT_ROLE_PATTERNS).map(([r, p]) => [r, [...p]]))),
  /**
   * Channel patterns per service name (API key `service` or service-token `sub`).
   * @default {}
   * @example { "risk-engine": ["risk:*"] }
   */
  services: z.record(z.string().min(1), z.array(patternSchema)).default({}),
  /** Roles allowed to use the admin API (list and disconnect sessions). @default ["admin"] */
  adminRoles: z.array(z.string().min(1)).default(['admin']),
});

export type PolicyConfig = z.infer<typeof policyConfigSchema>;

export type Decision = { ok: true } | { ok: false; reason: string };

export interface ChannelPolicy {
  canSubscribe(principal: Principal, channel: string): Decision;
  isAdmin(principal: Principal): boolean;
}

export function createChannelPolicy(config: PolicyConfig): ChannelPolicy {
  const patternsOf = (p: Principal): string[] => {
    const out: string[] = [];
    for (const role of p.roles) out.push(...(config.roles[role] ?? []));
    if (p.kind === 'service') out.push(...(config.services[p.id] ?? []));
    return out;
  };
  return {
    canSubscribe(principal, channel) {
      const parsed = parseChannel(channel);
      if ('error' in parsed) return { ok: false, reason: parsed.error };
      for (const pattern of patternsOf(principal))
        if (matches(pattern, channel, principal)) return { ok: true };
      const who =
        principal.roles.length > 0 ? `role(s) ${principal.roles.join(', ')}` : 'a principal without roles';
      return { ok: false, reason: `${who} may not subscribe to '${channel}'` };
    },
    isAdmin(principal) {
      return principal.roles.some((r) => config.adminRoles.includes(r));
    },
  };
}

/** Whether one pattern grants `channel` (already known to be well-formed) to `principal`. */
export function matches(pattern: string, channel: string, principal: Principal): boolean {
  if (pattern === '*') return true;
  if (pattern === 'system') return channel === 'system';
  const colon = pattern.indexOf(':');
  const kind = pattern.slice(0, colon);
  const rest = pattern.slice(colon + 1);
  if (!channel.startsWith(`${kind}:`)) return false;
  const id = channel.slice(colon + 1);
  if (rest === '*') return true;
  if (rest === '{sub}') return id === principal.id;
  if (rest === '{account}') return principal.account !== undefined && id === principal.account;
  return id === rest;
}
