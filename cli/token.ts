// `tmbus token`: mints a development JWT the gateway accepts — HS256, with the issuer, audience
// and claim names the gateway's JWT config uses (`roles`, `account` by default). The settings are
// validated by the gateway's own zod schema, so a secret the gateway would refuse (under 32
// characters) is refused here too. For development and tests only: production tokens come from
// the identity provider.

import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { SignJWT } from 'jose';
import { parseConfig } from '../core/config.js';
import { type JwtConfig, jwtConfigSchema } from '../gateway/auth/authConfig.js';
import { parseDuration } from '../runtime/ops/time-spec.js';
import type { OpsCommandOptions } from './replay.js';

/**
 * The development JWT settings used when `TMBUS_JWT_SECRET`, `TMBUS_JWT_ISSUER` and
 * `TMBUS_JWT_AUDIENCE` are unset. A gateway started for local development must be configured
 * with the same values (`auth.jwt: { secret, issuer, audience }`).
 */
export const DEV_JWT = {
  secret: 'tmbus-development-secret-do-not-use-in-production',
  issuer: 'tmbus-dev',
  audience: 'tmbus-gateway',
} as const;

export interface DevTokenOptions {
  /** The user (or service) id: the `sub` claim. */
  sub: string;
  /** Roles, written to the gateway's roles claim. @example ["trader"] */
  roles: readonly string[];
  /** Trading account, written to the gateway's account claim. */
  account?: string;
  /** Lifetime, ms. @default 3_600_000 */
  ttlMs?: number;
  /** Gateway JWT settings (secret, issuer, audience, claim names). @default devJwtConfig() */
  jwt?: JwtConfig;
  /** Issue time, epoch ms. @default Date.now() */
  now?: number;
}

/**
 * The gateway JWT config a dev token is minted for: `TMBUS_JWT_SECRET` / `_ISSUER` / `_AUDIENCE`,
 * falling back to `DEV_JWT`, validated by the gateway's schema.
 *
 * @throws ConfigError naming the offending key (e.g. a secret under 32 characters)
 */
export function devJwtConfig(env: NodeJS.ProcessEnv = process.env): JwtConfig {
  return parseConfig(
    jwtConfigSchema,
    {
      algorithms: ['HS256'],
      secret: env.TMBUS_JWT_SECRET ?? DEV_JWT.secret,
      issuer: env.TMBUS_JWT_ISSUER ?? DEV_JWT.issuer,
      audience: env.TMBUS_JWT_AUDIENCE ?? DEV_JWT.audience,
    },
    'JWT settings (TMBUS_JWT_SECRET, TMBUS_JWT_ISSUER, TMBUS_JWT_AUDIENCE)',
  );
}

/**
 * Signs an HS256 token with the claims the gateway reads.
 *
 * @example
 * const token = await mintDevToken({ sub: 'u-42', roles: ['trader'], account: 'ACC-1' });
 */
export async function mintDevToken(options: DevTokenOptions): Promise<string> {
  const jwt = options.jwt ?? devJwtConfig();
  if (!jwt.secret) throw new Error('the JWT config has no HS256 secret');
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const claims: Record<string, unknown> = { [jwt.rolesClaim]: [...options.roles] };
  if (options.account) claims[jwt.accountClaim] = options.account;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuer(Array.isArray(jwt.issuer) ? jwt.issuer[0]! : (jwt.issuer as string))
    .setAudience(jwt.audience)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + Math.ceil((options.ttlMs ?? 3_600_000) / 1000))
    .setJti(randomUUID())
    .sign(new TextEncoder().encode(jwt.secret));
}

/**
 * The `token` command.
 *
 * @example
 * program.addCommand(tokenCommand());
 * // tmbus token --sub u-42 --roles trader --account ACC-1 --ttl 8h
 */
export function tokenCommand(options: OpsCommandOptions = {}): Command {
  const env = options.env ?? process.env;
  return new Command('token')
    .description('mint a development JWT (HS256) the gateway accepts, and print it')
    .requiredOption('--sub <userId>', 'subject: the user or service id')
    .requiredOption('--roles <roles>', 'comma-separated roles, e.g. trader or risk-manager,admin')
    .option('--account <account>', 'trading account claim (for orders:{account} / risk:{account} channels)')
    .option('--ttl <duration>', 'lifetime: 30s, 15m, 1h, 7d', '1h')
    .addHelpText(
      'after',
      `\nSigned with TMBUS_JWT_SECRET (default: the development secret), for issuer TMBUS_JWT_ISSUER\n` +
        `(default ${DEV_JWT.issuer}) and audience TMBUS_JWT_AUDIENCE (default ${DEV_JWT.audience}).`,
    )
    .action(async (flags: { sub: string; roles: string; account?: string; ttl: string }, cmd: Command) => {
      const roles = flags.roles
        .split(',')
        .map((r) => r.trim())
        .filter((r) => r.length > 0);
      if (roles.length === 0) cmd.error('--roles needs at least one role', { exitCode: 2 });
      if (!env.TMBUS_JWT_SECRET) {
        cmd
          .configureOutput()
          .writeErr?.('tmbus token: using the development secret (set TMBUS_JWT_SECRET otherwise)\n');
      }
      const token = await mintDevToken({
        sub: flags.sub,
        roles,
        account: flags.account,
        ttlMs: parseDuration(flags.ttl, 'ttl'),
        jwt: devJwtConfig(env),
      });
      cmd.configureOutput().writeOut?.(`${token}\n`);
    });
}
