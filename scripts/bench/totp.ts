/**
 * The authenticator apps of the two-factor organisation's accounts, and which account may log in next.
 *
 * Poort accepts a TOTP code once: after a code of time step S was accepted for an account, only a code of a later
 * step passes again (S and earlier are refused). So each account logs in at most once per 30-second step: `take`
 * gives an account that is not in a login and has not used the current step, round robin; `code` computes the code
 * right before it is posted and records its step. Should the step change between computing and posting, Poort still
 * accepts the code (±1 step), and its step is still later than the account's last one. With too few accounts for the
 * rate, `take` waits for the next step and counts the wait (reported; the default number of accounts avoids it).
 */
import type * as OTPAuth from 'otpauth';

export interface TotpAccount {
  email: string;
  /** The account's authenticator app (period, digits, algorithm and key from the set-up's otpauth URI). */
  app: OTPAuth.TOTP;
  /** The last time step whose code Poort accepted for this account (at the set-up, then at each login). */
  lastStep: number;
}

export interface TotpStats {
  /** Codes computed and posted. */
  codes: number;
  /** Codes Poort refused (there must be none: each is an error of the run). */
  refused: number;
  /** How often a login had to wait for an account free in the current step, and for how long in all. */
  waits: number;
  waitedMs: number;
}

export class TotpAccounts {
  readonly stats: TotpStats = { codes: 0, refused: 0, waits: 0, waitedMs: 0 };
  private readonly accounts: TotpAccount[];
  private readonly busy = new Set<TotpAccount>();
  private next = 0;

  constructor(accounts: TotpAccount[]) {
    if (accounts.length === 0) throw new Error('no TOTP accounts');
    this.accounts = accounts;
  }

  /** An account that is in no login now and has not used the current time step; release it afterwards. */
  async take(): Promise<TotpAccount> {
    for (;;) {
      const now = Date.now();
      for (let tried = 0; tried < this.accounts.length; tried += 1) {
        const account = this.accounts[(this.next + tried) % this.accounts.length] as TotpAccount;
        if (!this.busy.has(account) && account.lastStep < account.app.counter({ timestamp: now })) {
          this.next = (this.next + tried + 1) % this.accounts.length;
          this.busy.add(account);
          return account;
        }
      }
      // Every account is in a login or has used this step: wait for the next step.
      const wait = (this.accounts[0] as TotpAccount).app.remaining({ timestamp: now }) + 20;
      this.stats.waits += 1;
      this.stats.waitedMs += wait;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** The code the account's app shows now; records its step as used (before it is posted, so no other login takes it). */
  code(account: TotpAccount): { code: string; step: number; previousStep: number } {
    const now = Date.now();
    const step = account.app.counter({ timestamp: now });
    const previousStep = account.lastStep;
    if (step <= previousStep) throw new Error(`${account.email}: step ${step} is not later than its last step ${previousStep}`);
    account.lastStep = step;
    this.stats.codes += 1;
    return { code: account.app.generate({ timestamp: now }), step, previousStep };
  }

  release(account: TotpAccount): void {
    this.busy.delete(account);
  }
}
