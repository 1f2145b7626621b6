// Service API keys: the handshake carries the key, the configuration carries only its SHA-256,
// and the comparison is constant-time so a timing side channel cannot reveal a valid digest.

import { createHash, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../../core/errors.js';
import type { ApiKeyConfig } from './authConfig.js';
import type { Principal } from './principal.js';

/** SHA-256 hex digest of a key, as configured in `auth.apiKeys[].sha256`. */
export function apiKeyDigest(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export interface ApiKeyVerifier {
  verify(key: string): Principal;
}

export function createApiKeyVerifier(keys: readonly ApiKeyConfig[]): ApiKeyVerifier {
  const entries = keys.map((k) => ({ config: k, digest: Buffer.from(k.sha256, 'hex') }));
  return {
    verify(key: string): Principal {
      if (typeof key !== 'string' || key.length === 0 || key.length > 512) {
        throw new GatewayError('AUTH_INVALID_TOKEN', 'malformed API key');
      }
      const digest = Buffer.from(apiKeyDigest(key), 'hex');
      // Compare against every entry so the time taken does not depend on which one matched.
      let match: ApiKeyConfig | undefined;
      for (const e of entries) if (timingSafeEqual(e.digest, digest) && !match) match = e.config;
      if (!match) throw new GatewayError('AUTH_INVALID_TOKEN', 'unknown API key');
      return {
        kind: 'service',
        id: match.service,
        roles: [...match.roles],
        expiresAt: null,
        via: `api-key:${match.id}`,
      };
    },
  };
}
