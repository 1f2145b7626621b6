// Configuration of who may connect: JWT verification (keys, algorithms, issuer, audience, claims)
// and service API keys. Validated with zod at start-up; a gateway without any way to authenticate
// is refused there, not discovered when the first client is turned away.

import { z } from 'zod';

export const JWT_ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const jwtConfigSchema = z
  .object({
    /**
     * Algorithms accepted; anything else (including `none`) is refused.
     * @default ["HS256", "RS256", "ES256"]
     */
    algorithms: z
      .array(z.enum(JWT_ALGORITHMS))
      .min(1)
      .default([...JWT_ALGORITHMS]),
    /** Shared secret for HS256, at least 32 characters. */
    secret: z.string().min(32, 'an HS256 secret needs at least 32 characters').optional(),
    /**
     * PEM public keys (SPKI) for RS256 / ES256; matched by `kid` when the token names one.
     * @default []
     * @example [{ alg: "ES256", kid: "2024-05", pem: "-----BEGIN PUBLIC KEY-----\n…" }]
     */
    publicKeys: z
      .array(
        z.object({ alg: z.enum(['RS256', 'ES256']), pem: z.string().min(1), kid: z.string().optional() }),
      )
      .default([]),
    /**
     * JSON Web Key Set URL of the identity provider (keys are cached and refetched on an unknown kid).
     * @example "https://idp.example.com/.well-known/jwks.json"
     */
    jwksUrl: z.url().optional(),
    /** Expected `iss`. Required: a token from another issuer is refused. @example "https://idp.example.com" */
    issuer: stringOrList,
    /** Expected `aud`. Required: a token minted for another service is refused. @example "trademaster-gateway" */
    audience: stringOrList,
    /** Allowed clock skew for `exp` / `nbf`, seconds. @default 5 */
    clockToleranceSec: z.number().int().min(0).max(300).default(5),
    /** Claim holding the roles (array or space-separated string). @default "roles" */
    rolesClaim: z.string().min(1).default('roles'),
    /** Claim holding the trading account, used by `{account}` in channel patterns. @default "account" */
    accountClaim: z.string().min(1).default('account'),
    /** Role that marks a service token (own rate limits, channels from `authorization.services`). @default "service" */
    serviceRole: z.string().min(1).default('service'),
  })
  .refine((c) => c.secret !== undefined || c.publicKeys.length > 0 || c.jwksUrl !== undefined, {
    message: 'configure at least one of secret, publicKeys or jwksUrl',
  })
  .refine((c) => !c.algorithms.includes('HS256') || c.secret !== undefined || c.algorithms.length > 1, {
    message: 'HS256 is the only algorithm but no secret is configured',
  });

export const apiKeySchema = z.object({
  /** Name of the key, shown in logs and the admin API. @example "pricing-feed-2024" */
  id: z.string().min(1),
  /** SHA-256 (hex) of the key: the gateway never stores keys in clear. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256 digest'),
  /** The service the key belongs to (rate limits and channel permissions are per service). */
  service: z.string().min(1),
  /** @default ["service"] */
  roles: z.array(z.string().min(1)).default(['service']),
});

export const authConfigSchema = z
  .object({
    jwt: jwtConfigSchema.optional(),
    /** Service API keys (handshake `auth.apiKey`). @default [] */
    apiKeys: z.array(apiKeySchema).default([]),
    /** How long before a token's expiry the client is asked to refresh it, ms. @default 30_000 */
    expiryWarningMs: z.number().int().min(0).default(30_000),
  })
  .refine((c) => c.jwt !== undefined || c.apiKeys.length > 0, {
    message: 'configure auth.jwt or at least one auth.apiKeys entry',
  });

/**
 * HS256 secrets published with the project — the development secret of `tmbus token` / `--dev`
 * and the placeholder of `deploy/kubernetes/secret.example.yaml`: anyone can sign tokens with them.
 */
export const PUBLISHED_JWT_SECRETS: readonly string[] = [
  'tmbus-development-secret-do-not-use-in-production',
  'replace-me-with-at-least-32-random-characters',
];

const PLACEHOLDER = /replace[-_ ]?me|change[-_ ]?me|do[-_ ]not[-_ ]use[-_ ]in[-_ ]production|^(.)\1+$/i;

/**
 * Why `secret` must not verify real tokens, or undefined when it may: a published or placeholder
 * value, or fewer than 32 bytes (RFC 7518 §3.2: an HS256 key as long as the hash). Checked by
 * `tmbus gateway` outside `--dev`; call it before `createGateway` when embedding the gateway.
 */
export function weakJwtSecret(secret: string): string | undefined {
  if (PUBLISHED_JWT_SECRETS.includes(secret) || PLACEHOLDER.test(secret))
    return 'is a published placeholder or development value: anyone could sign tokens with it';
  const bytes = new TextEncoder().encode(secret).length;
  if (bytes < 32) return `has ${bytes} bytes; an HS256 secret needs at least 32 random bytes`;
  return undefined;
}

export type JwtConfig = z.infer<typeof jwtConfigSchema>;
export type ApiKeyConfig = z.infer<typeof apiKeySchema>;
export type AuthConfig = z.infer<typeof authConfigSchema>;
