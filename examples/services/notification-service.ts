// The notification service: per-user notifications (order, risk, account and market topics, sent
// in-app and by push), generated reports, and the rare platform-wide announcement. Users come
// from the account directory, so each notification belongs to a user a gateway can authorize.

import { randomUUID } from 'node:crypto';
import type { EventOf, NotificationCategory, Severity } from '../../schemas/index.js';
import { DEMO_ACCOUNTS, type DemoAccount } from '../accounts.js';
import { newEvent } from '../events.js';
import { PacedProducer, type PacedProducerOptions } from './paced-producer.js';
import { SeededRandom } from './random.js';

const SOURCE = 'notification-service';
const DAY = 86_400_000;
/** Key of announcements: they address everyone, not one user (the gateway routes them to `system`). */
export const ANNOUNCEMENT_KEY = 'all-users';

const NOTICES: readonly (readonly [NotificationCategory, Severity, string, string])[] = [
  ['ORDER', 'INFO', 'Order filled', 'Your order was filled at the average price shown in your blotter.'],
  ['RISK', 'WARNING', 'Exposure above 80 % of limit', 'Reduce positions or request a limit increase.'],
  ['ACCOUNT', 'INFO', 'Statement available', 'Your monthly statement is ready to download.'],
  ['MARKET', 'INFO', 'Price alert', 'A symbol on your watchlist moved more than 2 % today.'],
];

type NotificationKind = 'USER_NOTIFICATION' | 'REPORT_GENERATED' | 'SYSTEM_ANNOUNCEMENT';

export class NotificationSimulator {
  private seq: number;

  constructor(
    private readonly random: SeededRandom,
    private readonly accounts: readonly DemoAccount[] = DEMO_ACCOUNTS,
  ) {
    this.seq = random.int(70_000_000, 79_000_000);
  }

  next(now: number): EventOf<NotificationKind> {
    const kind = this.random.weighted([
      ['USER_NOTIFICATION', 80],
      ['REPORT_GENERATED', 17],
      ['SYSTEM_ANNOUNCEMENT', 3],
    ] as const);
    const opts = { source: SOURCE, timestamp: now };
    const user = this.random.pick(this.accounts).userId;
    if (kind === 'USER_NOTIFICATION') {
      const [category, severity, title, body] = this.random.pick(NOTICES);
      return newEvent(
        'USER_NOTIFICATION',
        user,
        {
          notificationId: `NTF-${this.seq++}`,
          category,
          severity,
          title,
          body,
          channels: severity === 'WARNING' ? ['IN_APP', 'PUSH', 'EMAIL'] : ['IN_APP', 'PUSH'],
          relatedEventId: null,
          expiresAt: now + 7 * DAY,
        },
        opts,
      );
    }
    if (kind === 'REPORT_GENERATED') {
      const reportType = this.random.pick(['DAILY_PNL', 'TRADE_CONFIRMATION', 'RISK_SUMMARY'] as const);
      const day = new Date(now).toISOString().slice(0, 10);
      const reportId = `RPT-${reportType}-${day}-${user}`;
      return newEvent(
        'REPORT_GENERATED',
        user,
        {
          reportId,
          reportType,
          format: reportType === 'TRADE_CONFIRMATION' ? 'PDF' : this.random.pick(['PDF', 'CSV'] as const),
          periodStart: now - DAY,
          periodEnd: now,
          location: `reports://demo/${reportType.toLowerCase()}/${day}/${user}.pdf`,
          sizeBytes: this.random.int(20_000, 400_000),
          sha256: randomUUID().replaceAll('-', '') + randomUUID().replaceAll('-', ''),
        },
        opts,
      );
    }
    return newEvent(
      'SYSTEM_ANNOUNCEMENT',
      ANNOUNCEMENT_KEY,
      {
        announcementId: `ANN-${this.seq++}`,
        audience: 'TRADERS',
        severity: 'INFO',
        title: 'Extended hours trading',
        body: 'Pre-market sessions now open at 04:00 ET for all US equities.',
        publishedAt: now,
        expiresAt: now + 3 * DAY,
      },
      opts,
    );
  }
}

/**
 * The notification service as a running service.
 *
 * @example
 * createNotificationService({ sink, rate: { ratePerSecond: 0.5 } }).start();
 */
export function createNotificationService(
  options: PacedProducerOptions & { readonly accounts?: readonly DemoAccount[]; readonly seed?: number },
): PacedProducer {
  const simulator = new NotificationSimulator(new SeededRandom(options.seed), options.accounts);
  return new PacedProducer(SOURCE, options, (now) => simulator.next(now));
}
