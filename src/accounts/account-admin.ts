/**
 * Account administration by an operator (CLI) or a manager (admin API): an account's status (disable, enable),
 * which professionals treat a client (`professionalIds`), and ending all of an account's sessions.
 *
 * Each change is one conditional update of the account document, so of two operators acting at once one changes
 * the account and the other gets the answer for what is there now. Disabling ends every session and grant (refresh
 * and access tokens) of the person right after the status changes; from then on the password step and findAccount
 * refuse the account anyway (only `active` accounts log in or keep tokens), so nothing issued before survives.
 *
 * Who may act on whom is the caller's business (the CLI is the operator; the admin API checks roles and links).
 */
import type { Account, AccountModel } from '../db/models/account.ts';
import type { ReadCache } from '../db/read-cache.ts';
import { accountKey } from './accounts.ts';
import type { Audit } from './audit.ts';
import type { EndedSessions } from './ended-sessions.ts';
import type { AccountStatus } from './vocabulary.ts';

/** The person acting, when one does (the admin API); none is the operator. */
export interface AdminActor {
  id?: string;
  ip?: string;
}

export type AccountAdminErrorCode =
  | 'account_not_found'
  | 'client_not_found'
  | 'professional_not_found'
  | 'not_a_client'
  | 'not_a_professional'
  | 'professional_disabled'
  | 'other_organisation';

export class AccountAdminError extends Error {
  readonly code: AccountAdminErrorCode;
  constructor(code: AccountAdminErrorCode, message: string) {
    super(message);
    this.name = 'AccountAdminError';
    this.code = code;
  }
}

export interface DisableResult {
  id: string;
  status: AccountStatus;
  sessionsEnded: number;
  grantsRevoked: number;
}

export interface EnableResult {
  id: string;
  status: AccountStatus;
}

export interface LinkResult {
  clientId: string;
  /** The client's professionals after the change. */
  professionalIds: string[];
}

export interface AccountAdminDeps {
  accounts: AccountModel;
  /** Ends every session and grant of the account (src/oidc/account-sessions.ts). */
  endSessions(accountId: string): Promise<EndedSessions>;
  sessionActivities: { forgetAccount(accountId: string): Promise<void> };
  audit: Audit;
  cache: ReadCache;
}

export interface AccountAdmin {
  /**
   * `active` or `invited` → `disabled`, then every session and grant of the account ends. An account already
   * disabled stays as it is and no event is written; what may be left of its sessions (a disable interrupted
   * after its update) still ends, so running the command again always finishes the job.
   */
  disable(accountId: string, actor?: AdminActor): Promise<DisableResult>;
  /**
   * `disabled` → `active` (the account has a password) or `invited` (it has none yet; it needs a new welcome e-mail,
   * the disable took its link). An account that is not disabled stays as it is and no event is written.
   */
  enable(accountId: string, actor?: AdminActor): Promise<EnableResult>;
  /** Adds a professional to a client's professionals (no change when linked already). */
  link(clientId: string, professionalId: string, actor?: AdminActor): Promise<LinkResult>;
  /** Removes a professional from a client's professionals (no change when not linked). */
  unlink(clientId: string, professionalId: string, actor?: AdminActor): Promise<LinkResult>;
  /**
   * Ends every session and grant (refresh and access tokens) of the account, whatever its status, and its session
   * timers; the account itself stays as it is. Audited as `account.sessions_revoked`.
   */
  revokeSessions(accountId: string, actor?: AdminActor): Promise<RevokeResult>;
}

export interface RevokeResult {
  id: string;
  sessionsEnded: number;
  grantsRevoked: number;
}

type Found = Pick<Account, '_id' | 'organisationId' | 'role' | 'status' | 'professionalIds'>;
const FIELDS = { organisationId: 1, role: 1, status: 1, professionalIds: 1 } as const;

export function createAccountAdmin(deps: AccountAdminDeps): AccountAdmin {
  const { accounts, audit, cache } = deps;

  const find = async (id: string): Promise<Found | undefined> =>
    (await accounts.findById(id, FIELDS).lean<Found>().exec()) ?? undefined;

  async function existing(id: string): Promise<Found> {
    const account = await find(id);
    if (!account) throw new AccountAdminError('account_not_found', 'account not found');
    return account;
  }

  /** The client and the professional of a link, checked: same organisation, the right roles. */
  async function pair(clientId: string, professionalId: string, requireUsable: boolean): Promise<{ client: Found; professional: Found }> {
    const [client, professional] = await Promise.all([find(clientId), find(professionalId)]);
    if (!client) throw new AccountAdminError('client_not_found', 'account not found');
    if (!professional) throw new AccountAdminError('professional_not_found', 'account not found');
    if (client.role !== 'client') throw new AccountAdminError('not_a_client', `the account is not a client (role: ${client.role})`);
    if (professional.role !== 'professional') {
      throw new AccountAdminError('not_a_professional', `the account is not a professional (role: ${professional.role})`);
    }
    if (professional.organisationId !== client.organisationId) {
      throw new AccountAdminError('other_organisation', 'the professional belongs to another organisation than the client');
    }
    if (requireUsable && professional.status === 'disabled') {
      throw new AccountAdminError('professional_disabled', 'the account is disabled');
    }
    return { client, professional };
  }

  async function endAll(accountId: string): Promise<EndedSessions> {
    const ended = await deps.endSessions(accountId);
    await deps.sessionActivities.forgetAccount(accountId);
    return ended;
  }

  /**
   * Puts a professional on a client's list, or takes them off: one conditional update that changes something or
   * nothing; only a change is audited.
   */
  async function relink(change: 'link' | 'unlink', clientId: string, professionalId: string, actor?: AdminActor): Promise<LinkResult> {
    const { client } = await pair(clientId, professionalId, change === 'link');
    const linking = change === 'link';
    const changed = await accounts.findOneAndUpdate(
      { _id: clientId, organisationId: client.organisationId, role: 'client', professionalIds: linking ? { $ne: professionalId } : professionalId },
      linking ? { $addToSet: { professionalIds: professionalId } } : { $pull: { professionalIds: professionalId } },
      { projection: FIELDS, returnDocument: 'after' },
    ).lean<Found>().exec();
    cache.forget(accountKey(clientId));
    if (!changed) return { clientId, professionalIds: (await existing(clientId)).professionalIds };
    await audit.record({
      type: linking ? 'account.professional_linked' : 'account.professional_unlinked', organisationId: client.organisationId,
      actorId: actor?.id, targetId: clientId, ip: actor?.ip, data: { professionalId },
    });
    return { clientId, professionalIds: changed.professionalIds };
  }

  async function disable(accountId: string, actor?: AdminActor): Promise<DisableResult> {
    // The status before the change (the event names it); null when the account is not active or invited. A welcome
    // link still waiting goes too: enabled again, an invited account gets a new one (`account resend-welcome`).
    const before = await accounts.findOneAndUpdate(
      { _id: accountId, status: { $in: ['active', 'invited'] } },
      { $set: { status: 'disabled' }, $unset: { invitation: 1 } },
      { projection: FIELDS, returnDocument: 'before' },
    ).lean<Found>().exec();
    cache.forget(accountKey(accountId));
    if (!before) {
      const account = await existing(accountId);
      // Enabled again between the update and this read: disable that.
      if (account.status !== 'disabled') return disable(accountId, actor);
      const ended = await endAll(accountId);
      return { id: accountId, status: 'disabled', sessionsEnded: ended.sessionUids.length, grantsRevoked: ended.grantsRevoked };
    }
    const ended = await endAll(accountId);
    const result: DisableResult = { id: accountId, status: 'disabled', sessionsEnded: ended.sessionUids.length, grantsRevoked: ended.grantsRevoked };
    await audit.record({
      type: 'account.disabled', organisationId: before.organisationId, actorId: actor?.id, targetId: accountId, ip: actor?.ip,
      data: { from: before.status, sessionsEnded: result.sessionsEnded, grantsRevoked: result.grantsRevoked },
    });
    return result;
  }

  return {
    disable,

    async enable(accountId, actor) {
      // Two exclusive conditional updates: the one that matches decides, and only a disabled account matches either.
      const options = { projection: FIELDS, returnDocument: 'after' as const };
      const enabled = await accounts.findOneAndUpdate({ _id: accountId, status: 'disabled', passwordHash: { $ne: null } }, { $set: { status: 'active' } }, options).lean<Found>().exec()
        ?? await accounts.findOneAndUpdate({ _id: accountId, status: 'disabled', passwordHash: null }, { $set: { status: 'invited' } }, options).lean<Found>().exec();
      cache.forget(accountKey(accountId));
      if (!enabled) {
        const account = await existing(accountId);
        return { id: accountId, status: account.status };
      }
      await audit.record({
        type: 'account.enabled', organisationId: enabled.organisationId, actorId: actor?.id, targetId: accountId, ip: actor?.ip,
        data: { status: enabled.status },
      });
      return { id: accountId, status: enabled.status };
    },

    // A disabled professional can still be taken off a client's list, but not be put on it.
    link: (clientId, professionalId, actor) => relink('link', clientId, professionalId, actor),
    unlink: (clientId, professionalId, actor) => relink('unlink', clientId, professionalId, actor),

    async revokeSessions(accountId, actor) {
      const account = await existing(accountId);
      const ended = await endAll(accountId);
      const result: RevokeResult = { id: accountId, sessionsEnded: ended.sessionUids.length, grantsRevoked: ended.grantsRevoked };
      await audit.record({
        type: 'account.sessions_revoked', organisationId: account.organisationId, actorId: actor?.id, targetId: accountId, ip: actor?.ip,
        data: { sessionsEnded: result.sessionsEnded, grantsRevoked: result.grantsRevoked },
      });
      return result;
    },
  };
}
