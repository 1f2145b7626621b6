// The demo's reference data: trading accounts, the opaque user id that owns each, the capital it
// started the day with and its risk limits. The trading service trades them, the risk and
// portfolio topologies look them up (a fill carries only the account), and a gateway maps a
// user's token to the account channels it may see. In a real deployment this is a table fed by
// the account service; a static directory keeps the demo self-contained.

/** How an account trades in the demo, which decides how often it runs into its limits. */
export type TradingStyle = 'balanced' | 'momentum' | 'aggressive';

export interface DemoAccount {
  /** @example 'ACC-100234' */
  readonly accountId: string;
  /** Opaque user id (no PII). @example 'u-7f3a9c' */
  readonly userId: string;
  /** Equity at the start of the day, USD. */
  readonly capital: number;
  /** Gross exposure above which the risk engine raises RISK_LIMIT_BREACH, USD. */
  readonly exposureLimit: number;
  /** Shares per symbol above which the risk engine raises POSITION_LIMIT_EXCEEDED. */
  readonly positionLimit: number;
  readonly style: TradingStyle;
}

/**
 * Four accounts of four users. `ACC-101442` trades aggressively against a small limit, so the
 * demo shows CRITICAL risk alerts within seconds.
 */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  {
    accountId: 'ACC-100234',
    userId: 'u-7f3a9c',
    capital: 500_000,
    exposureLimit: 1_500_000,
    positionLimit: 10_000,
    style: 'balanced',
  },
  {
    accountId: 'ACC-100871',
    userId: 'u-2b81d4',
    capital: 300_000,
    exposureLimit: 900_000,
    positionLimit: 6_000,
    style: 'momentum',
  },
  {
    accountId: 'ACC-101442',
    userId: 'u-91c6e0',
    capital: 80_000,
    exposureLimit: 250_000,
    positionLimit: 2_500,
    style: 'aggressive',
  },
  {
    accountId: 'ACC-102009',
    userId: 'u-5d0f7a',
    capital: 1_000_000,
    exposureLimit: 3_000_000,
    positionLimit: 20_000,
    style: 'balanced',
  },
];

/**
 * Account lookups for topologies and services. Unknown accounts get conservative defaults rather
 * than failing the record: a fill of an account the directory does not know yet must still be
 * booked and risk-checked.
 *
 * @example
 * const directory = new AccountDirectory(DEMO_ACCOUNTS);
 * directory.userOf('ACC-100234'); // 'u-7f3a9c'
 */
export class AccountDirectory {
  private readonly byId: ReadonlyMap<string, DemoAccount>;

  constructor(readonly accounts: readonly DemoAccount[] = DEMO_ACCOUNTS) {
    this.byId = new Map(accounts.map((a) => [a.accountId, a]));
  }

  /** The account, or defaults for one the directory does not list. */
  get(accountId: string): DemoAccount {
    return (
      this.byId.get(accountId) ?? {
        accountId,
        userId: `u-${accountId.toLowerCase()}`,
        capital: 100_000,
        exposureLimit: 200_000,
        positionLimit: 1_000,
        style: 'balanced',
      }
    );
  }

  userOf(accountId: string): string {
    return this.get(accountId).userId;
  }

  /** Accounts owned by a user (what a gateway lets the user's token see). */
  accountsOf(userId: string): DemoAccount[] {
    return this.accounts.filter((a) => a.userId === userId);
  }
}
