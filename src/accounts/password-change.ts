/**
 * Changing one's password on the account page (after the current password and, with 2FA, a code were checked by
 * the caller): the new password must meet the rules, is hashed with argon2id, and afterwards every OTHER session of
 * the account ends, with the grants (refresh tokens) issued to them. The current browser session stays logged in.
 */
import type { AccountModel } from '../db/models/account.ts';
import type { PasswordHasher } from '../auth/password.ts';
import type { SessionActivities, SessionRef } from '../auth/session-activity.ts';
import { bothEnded, type EndedSessions, type KeepSessions } from './ended-sessions.ts';
import type { PasswordCheck, PasswordVerdict } from './password-check.ts';

export interface PasswordChangeDeps {
  accounts: AccountModel;
  hasher: PasswordHasher;
  passwordCheck: PasswordCheck;
  /** Ends the account's sessions and grants except those kept (src/oidc/account-sessions.ts). */
  endSessions(accountId: string, keep: KeepSessions): Promise<EndedSessions>;
  sessionActivities: SessionActivities;
  now: () => Date;
}

export interface CurrentSession extends KeepSessions {
  /** The browser session (Poort's session timers are keyed by its uid). */
  session: SessionRef;
  /** A code was checked with this change: the session's second factor is fresh. */
  codeChecked: boolean;
}

export type PasswordChangeResult = { ok: true; ended: EndedSessions } | ({ ok: false } & PasswordVerdict);

export function createPasswordChange(deps: PasswordChangeDeps) {
  /** What a new password breaks for this account (no problems: acceptable). */
  async function check(accountId: string, password: string): Promise<PasswordVerdict> {
    const account = await deps.accounts.findById(accountId, { email: 1, name: 1, organisationId: 1 }).lean().exec();
    return deps.passwordCheck(account ?? { email: '', organisationId: '' }, password);
  }

  return {
    check,
    async change(accountId: string, password: string, current: CurrentSession): Promise<PasswordChangeResult> {
      const verdict = await check(accountId, password);
      if (verdict.problems.length > 0) return { ok: false, ...verdict };
      const passwordHash = await deps.hasher.hash(password);
      // Other sessions end before the password changes and again after: should the database fail between the
      // steps, either nothing changed but sessions ended (the person tries again with the same current password),
      // or the new password holds and no session from before it survives — never a new password beside old sessions.
      const before = await deps.endSessions(accountId, current);
      await deps.accounts.updateOne({ _id: accountId }, { $set: { passwordHash, passwordChangedAt: deps.now() } });
      const ended = bothEnded(before, await deps.endSessions(accountId, current));
      // Timers of the ended sessions go; the current session keeps its own (a fresh code when one was checked).
      const timers = await deps.sessionActivities.current(current.session);
      await deps.sessionActivities.forgetAccount(accountId);
      await deps.sessionActivities.record(current.session, {
        passwordAt: timers.passwordAt,
        secondFactorAt: current.codeChecked ? deps.now() : timers.secondFactorAt,
      });
      return { ok: true, ended };
    },
  };
}

export type PasswordChange = ReturnType<typeof createPasswordChange>;
