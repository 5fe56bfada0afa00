/**
 * The password step of a login. Unknown e-mail, wrong password and a not yet usable account all answer
 * `failed` after the same argon2 work; throttling is keyed on organisation + e-mail whether or not it exists.
 */
import type { Account, AccountModel } from '../db/models/account.ts';
import type { PasswordHasher } from '../auth/password.ts';
import type { Throttle } from '../auth/throttle.ts';
import type { Recorder } from '../metrics/recorder.ts';
import type { Audit } from './audit.ts';
import { normaliseEmail } from './email.ts';

export type PasswordLoginResult =
  | { outcome: 'ok'; account: Account }
  | { outcome: 'failed' }
  | { outcome: 'throttled' };

export interface PasswordLogin {
  attempt(input: { organisationId: string; email: string; password: string; ip: string }): Promise<PasswordLoginResult>;
  /**
   * Checks the password of a person who is already logged in (the account page asks it again before a change).
   * Throttled under the same key as the login, so the page gives an attacker no extra guesses.
   */
  verifyPassword(accountId: string, password: string, ip: string): Promise<'ok' | 'failed' | 'throttled'>;
}

export interface PasswordLoginDeps {
  /** For the rehash (a write) and the account page's check. */
  accounts: AccountModel;
  /** The account service's lookup, which keeps what it found for the rest of the request. */
  findByEmail(organisationId: string, email: string): Promise<Account | undefined>;
  hasher: PasswordHasher;
  throttle: Throttle;
  audit: Audit;
  /** Counts each login attempt's outcome (no-op recorder when metrics are off). */
  metrics: Pick<Recorder, 'login'>;
}

export function createPasswordLogin(deps: PasswordLoginDeps): PasswordLogin {
  const { accounts, hasher, throttle, audit, metrics } = deps;
  return {
    async attempt({ organisationId, email, password, ip }) {
      const normalised = normaliseEmail(email);
      const key = `${organisationId}:${normalised}`;
      if ((await throttle.begin(key, ip)) === 'throttled') {
        await audit.record({ type: 'login.throttled', organisationId, ip });
        metrics.login('throttled');
        return { outcome: 'throttled' };
      }
      const account = await deps.findByEmail(organisationId, normalised);
      const usable = account?.status === 'active' ? account.passwordHash : undefined;
      const ok = await hasher.verify(usable, password);
      if (!ok || !account) {
        await throttle.failed(key, ip);
        await audit.record({ type: 'login.failed', organisationId, targetId: account?._id, ip });
        metrics.login('wrong_password');
        return { outcome: 'failed' };
      }
      await throttle.succeeded(key);
      if (account.passwordHash && hasher.needsRehash(account.passwordHash)) {
        const rehashed = await hasher.hash(password);
        // Only replace the hash that was verified, so a password changed meanwhile is never overwritten.
        await accounts.updateOne({ _id: account._id, passwordHash: account.passwordHash }, { $set: { passwordHash: rehashed } });
      }
      await audit.record({ type: 'login.password', organisationId, actorId: account._id, targetId: account._id, ip });
      metrics.login('success');
      return { outcome: 'ok', account };
    },
    async verifyPassword(accountId, password, ip) {
      const account = await accounts.findById(accountId).lean<Account>().exec();
      const key = account ? `${account.organisationId}:${account.email}` : `account:${accountId}`;
      if ((await throttle.begin(key, ip)) === 'throttled') return 'throttled';
      const ok = await hasher.verify(account?.status === 'active' ? account.passwordHash : undefined, password);
      if (!ok) {
        await throttle.failed(key, ip);
        await audit.record({ type: 'password.check_failed', organisationId: account?.organisationId, actorId: accountId, targetId: accountId, ip });
        return 'failed';
      }
      await throttle.succeeded(key);
      return 'ok';
    },
  };
}
