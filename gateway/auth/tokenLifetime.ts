// A connection lives as long as its token: the client is warned `expiryWarningMs` before expiry
// (`auth:expiring`, so the SDK refreshes in-band), and a connection whose token runs out without a
// refresh is told why (`session:closed` with AUTH_EXPIRED) and closed.

import type { GatewaySocket } from '../context.js';
import type { GatewayMetrics } from '../metrics.js';

/** setTimeout's ceiling (~24.8 days); longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class TokenLifetime {
  private warnTimer: NodeJS.Timeout | undefined;
  private expireTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: GatewaySocket,
    private readonly warningMs: number,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** (Re)arms the timers for a token expiring at `expiresAt` (epoch ms; null = never). */
  schedule(expiresAt: number | null): void {
    this.clear();
    if (expiresAt === null) return;
    const now = Date.now();
    const warnIn = expiresAt - this.warningMs - now;
    if (warnIn > 0 && warnIn < MAX_TIMER_MS) {
      this.warnTimer = setTimeout(() => this.socket.emit('auth:expiring', { expiresAt }), warnIn);
    } else if (warnIn <= 0 && expiresAt > now) {
      this.socket.emit('auth:expiring', { expiresAt });
    }
    const expireIn = expiresAt - now;
    if (expireIn >= MAX_TIMER_MS) {
      this.expireTimer = setTimeout(() => this.schedule(expiresAt), MAX_TIMER_MS);
      return;
    }
    this.expireTimer = setTimeout(() => this.expire(expiresAt), Math.max(0, expireIn));
  }

  clear(): void {
    if (this.warnTimer) clearTimeout(this.warnTimer);
    if (this.expireTimer) clearTimeout(this.expireTimer);
    this.warnTimer = this.expireTimer = undefined;
  }

  private expire(expiresAt: number): void {
    if (!this.socket.connected) return;
    this.metrics.refused('AUTH_EXPIRED');
    this.socket.emit('session:closed', {
      code: 'AUTH_EXPIRED',
      reason: `token expired at ${new Date(expiresAt).toISOString()} without a refresh (send auth:refresh before expiry)`,
    });
    this.socket.disconnect(true);
  }
}
