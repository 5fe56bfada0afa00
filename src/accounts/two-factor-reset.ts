/**
 * Resetting someone's second factor (DESIGN §9): for a person who lost their phone and their recovery codes. The
 * factor, its recovery codes, pending set-ups and throttling state are removed; every session and refresh token of
 * the person ends; an audit event is written and the person is told by e-mail who (by role, never by name) did it.
 * At the next login they set up a factor again when their organisation requires one, or log in with the password.
 *
 * Who may reset whom is the caller's business (the CLI is the operator; the admin API checks roles and links).
 */
import type { AccountModel } from '../db/models/account.ts';
import { translator } from '../i18n/index.ts';
import type { Recorder } from '../metrics/recorder.ts';
import type { Audit } from './audit.ts';
import { AccountError } from './accounts.ts';
import type { Notices } from './notices.ts';
import type { Role } from './vocabulary.ts';

/** The operator (CLI, no account) or a person acting through the admin API. */
export type ResetActor = { kind: 'operator' } | { kind: 'account'; id: string; role: Role; ip?: string };

export interface TwoFactorResetDeps {
  accounts: AccountModel;
  /** Removes the factor, recovery codes, set-ups and throttles; true when a factor was removed by this call. */
  secondFactors: { remove(accountId: string): Promise<boolean> };
  /** Ends every session and grant of the account (src/oidc/account-sessions.ts). */
  endSessions(accountId: string): Promise<{ sessionUids: string[]; grantsRevoked: number }>;
  sessionActivities: { forgetAccount(accountId: string): Promise<void> };
  audit: Audit;
  notices: Notices;
  /** Counts resets by who did them (no-op when metrics are off). */
  metrics: Pick<Recorder, 'secondFactorReset'>;
}

export interface ResetResult {
  accountId: string;
  organisationId: string;
  /** False when the account had no second factor (the reset still ends its sessions). */
  hadSecondFactor: boolean;
  sessionsEnded: number;
  grantsRevoked: number;
}

/** The role the notice names: an operator acts for the organisation's application management. */
const actingRole = (actor: ResetActor): Role => (actor.kind === 'operator' ? 'manager' : actor.role);

export function createTwoFactorReset(deps: TwoFactorResetDeps) {
  return async function resetTwoFactor(accountId: string, actor: ResetActor): Promise<ResetResult> {
    const account = await deps.accounts.findById(accountId, { organisationId: 1, locale: 1 }).lean().exec();
    if (!account) throw new AccountError('account_not_found', 'account not found');
    // One delete decides whether there was a factor (parallel resets: one of them says so).
    const hadSecondFactor = await deps.secondFactors.remove(accountId);
    const ended = await deps.endSessions(accountId);
    await deps.sessionActivities.forgetAccount(accountId);
    await deps.audit.record({
      type: 'two_factor.reset',
      organisationId: account.organisationId,
      actorId: actor.kind === 'account' ? actor.id : undefined,
      targetId: accountId,
      ip: actor.kind === 'account' ? actor.ip : undefined,
      data: { actor: actor.kind === 'operator' ? 'operator' : actor.role, hadSecondFactor, sessionsEnded: ended.sessionUids.length, grantsRevoked: ended.grantsRevoked },
    });
    deps.metrics.secondFactorReset(actor.kind === 'operator' ? 'operator' : actor.role);
    const t = translator(account.locale ?? 'en');
    await deps.notices.send(accountId, 'twoFactorReset', { role: t(`role.${actingRole(actor)}`) });
    return { accountId, organisationId: account.organisationId, hadSecondFactor, sessionsEnded: ended.sessionUids.length, grantsRevoked: ended.grantsRevoked };
  };
}

export type TwoFactorReset = ReturnType<typeof createTwoFactorReset>;
