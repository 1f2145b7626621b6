// JWT verification with jose: HS256 / RS256 / ES256 with configured keys or a remote JWKS, an
// algorithm allow-list (so `alg: none` and algorithm-confusion tokens never reach a key), and
// exp / nbf / iss / aud checks. Every failure becomes a GatewayError whose code tells expired
// tokens (refresh and retry) from invalid ones (do not retry).

import { type CryptoKey, createRemoteJWKSet, errors, importSPKI, type JWTPayload, jwtVerify } from 'jose';
import { GatewayError } from '../../core/errors.js';
import type { JwtConfig } from './authConfig.js';
import { type Principal, rolesFromClaim } from './principal.js';

type VerifyKey = CryptoKey | Uint8Array;
type KeyResolver = (header: { alg?: string; kid?: string }) => Promise<VerifyKey>;

export interface TokenVerifier {
  /** Verifies a compact JWT and returns who it names. Throws `GatewayError` (AUTH_*). */
  verify(token: string): Promise<Principal>;
}

/**
 * @example
 * const verifier = await createTokenVerifier({ secret, issuer: 'https://idp', audience: 'gw', ... });
 * const principal = await verifier.verify(handshake.auth.token);
 */
export async function createTokenVerifier(config: JwtConfig): Promise<TokenVerifier> {
  const resolveKey = await keyResolver(config);
  return {
    async verify(token: string): Promise<Principal> {
      if (typeof token !== 'string' || token.length === 0) {
        throw new GatewayError('AUTH_INVALID_TOKEN', 'no token in the handshake (auth.token)');
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, (header) => resolveKey(header), {
          algorithms: config.algorithms,
          issuer: config.issuer,
          audience: config.audience,
          clockTolerance: config.clockToleranceSec,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (e) {
        throw toGatewayError(e);
      }
      return principalOf(payload, config);
    },
  };
}

function principalOf(payload: JWTPayload, config: JwtConfig): Principal {
  const roles = rolesFromClaim(payload[config.rolesClaim]);
  const account = payload[config.accountClaim];
  return {
    kind: roles.includes(config.serviceRole) ? 'service' : 'user',
    id: String(payload.sub),
    roles,
    ...(typeof account === 'string' && account.length > 0 ? { account } : {}),
    expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : null,
    via: 'jwt',
  };
}

async function keyResolver(config: JwtConfig): Promise<KeyResolver> {
  const secret = config.secret === undefined ? undefined : new TextEncoder().encode(config.secret);
  const staticKeys = await Promise.all(
    config.publicKeys.map(async (k) => ({ alg: k.alg, kid: k.kid, key: await importSPKI(k.pem, k.alg) })),
  );
  const jwks = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5_000 })
    : undefined;
  return async (header) => {
    if (header.alg === 'HS256') {
      if (!secret)
        throw new GatewayError('AUTH_INVALID_TOKEN', 'HS256 tokens are not accepted (no secret configured)');
      return secret;
    }
    const sameAlg = staticKeys.filter((k) => k.alg === header.alg);
    const byKid = header.kid === undefined ? undefined : sameAlg.find((k) => k.kid === header.kid);
    if (byKid) return byKid.key;
    if (jwks) return jwks(header as Parameters<typeof jwks>[0]) as Promise<VerifyKey>;
    if (sameAlg.length === 1 && (header.kid === undefined || sameAlg[0]!.kid === undefined))
      return sameAlg[0]!.key;
    throw new GatewayError(
      'AUTH_INVALID_TOKEN',
      `no ${header.alg} key matches the token (kid ${header.kid ?? 'absent'})`,
    );
  };
}

/** Maps jose's errors to stable gateway codes with a reason a developer can act on. */
export function toGatewayError(e: unknown): GatewayError {
  if (e instanceof GatewayError) return e;
  if (e instanceof errors.JWTExpired)
    return new GatewayError('AUTH_EXPIRED', 'token expired (exp)', { cause: e });
  if (e instanceof errors.JWTClaimValidationFailed) {
    const reason =
      e.claim === 'nbf' ? 'token not yet valid (nbf)' : `claim '${e.claim}' rejected: ${e.reason}`;
    return new GatewayError('AUTH_INVALID_TOKEN', reason, { cause: e });
  }
  if (e instanceof errors.JOSEAlgNotAllowed) {
    return new GatewayError('AUTH_INVALID_TOKEN', 'token algorithm not allowed', { cause: e });
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) {
    return new GatewayError('AUTH_INVALID_TOKEN', 'token signature verification failed', { cause: e });
  }
  if (e instanceof errors.JWKSNoMatchingKey) {
    return new GatewayError('AUTH_INVALID_TOKEN', 'no key in the key set matches the token', { cause: e });
  }
  if (e instanceof errors.JWKSTimeout || (e instanceof errors.JOSEError && e.code === 'ERR_JWKS_INVALID')) {
    return new GatewayError('AUTH_INVALID_TOKEN', 'identity provider key set unavailable', {
      cause: e,
      retriable: true,
    });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new GatewayError('AUTH_INVALID_TOKEN', `malformed or unverifiable token: ${message}`, { cause: e });
}
