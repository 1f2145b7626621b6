// Who is on the other end of a socket, after authentication. Kept small and serialisable: it
// travels in `socket.data`, which the Redis adapter ships to other instances for the admin API.

export interface Principal {
  /** Users come with JWTs; services with an API key or a service token. */
  kind: 'user' | 'service';
  /** `sub` of the token, or the service name of an API key. */
  id: string;
  roles: string[];
  /** Trading account claim, for `{account}` in channel patterns. */
  account?: string;
  /** Token expiry, epoch ms; `null` for API keys. */
  expiresAt: number | null;
  /** How the principal authenticated: `jwt` or `api-key:<id>`. */
  via: string;
}

/** Rate-limit and connection-limit key: users and services are limited separately. */
export function limitKey(p: Principal): string {
  return `${p.kind}:${p.id}`;
}

/** Reads a roles claim given as an array or as a space-separated string. */
export function rolesFromClaim(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((r): r is string => typeof r === 'string' && r.length > 0);
  if (typeof value === 'string') return value.split(/\s+/).filter((r) => r.length > 0);
  return [];
}
