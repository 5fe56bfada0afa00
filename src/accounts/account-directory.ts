/**
 * The accounts of an organisation as an administrator sees them (admin API, CLI): a list with search, filters and
 * cursor pagination, and the change of an account's name, language and role.
 *
 * The list is ordered by account id, so a cursor (the last id of a page, opaque to callers) gives a stable next page
 * while accounts are added or changed meanwhile. Search is a case-insensitive substring of the e-mail address or the
 * name; the input is escaped, never taken as a pattern.
 *
 * A change is one conditional update of the account: the role is changed only if it is still the role the change
 * was checked against, and a client's only while no professional is linked to it, so two administrators acting at
 * once never leave a client-with-links that is no longer a client. Who may change what is the caller's business (the
 * admin API's permission matrix; the CLI is the operator).
 */
import type { Account, AccountModel } from '../db/models/account.ts';
import type { ReadCache } from '../db/read-cache.ts';
import type { Locale } from '../i18n/locales.ts';
import { AccountError, accountKey } from './accounts.ts';
import type { Audit } from './audit.ts';
import { normaliseEmail } from './email.ts';
import type { AccountStatus, Role } from './vocabulary.ts';

export const LIST_LIMIT_MAX = 100;

export interface AccountQuery {
  organisationId: string;
  /** Part of the e-mail address or the name, any case. */
  search?: string | undefined;
  role?: Role | undefined;
  status?: AccountStatus | undefined;
  /** Only the clients this professional treats. */
  professionalId?: string | undefined;
  /** `nextCursor` of the previous page. */
  cursor?: string | undefined;
  /** 1 … LIST_LIMIT_MAX. */
  limit: number;
}

export interface AccountPage {
  accounts: Account[];
  /** Present when there may be more. */
  nextCursor?: string;
}

export interface AccountChange {
  name?: string | undefined;
  locale?: Locale | undefined;
  role?: Role | undefined;
}

export interface ChangedAccount {
  account: Account;
  /** The fields that changed (none: the account already was so, nothing was written). */
  changed: Array<keyof AccountChange>;
}

export interface AccountDirectory {
  list(query: AccountQuery): Promise<AccountPage>;
  /** Throws AccountError `account_not_found`, `has_links` (a role change with links) or `role_changed` (a race). */
  update(accountId: string, change: AccountChange, actor?: { id?: string; ip?: string }): Promise<ChangedAccount>;
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const encodeCursor = (id: string): string => Buffer.from(id, 'utf8').toString('base64url');
function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (id.length === 0 || id.length > 100 || encodeCursor(id) !== cursor) throw new AccountError('cursor_invalid', 'the cursor is not one this list gave');
  return id;
}

export function createAccountDirectory(deps: { accounts: AccountModel; audit: Audit; cache: ReadCache }): AccountDirectory {
  const { accounts, audit, cache } = deps;
  return {
    async list(query) {
      const filter: Record<string, unknown> = { organisationId: query.organisationId };
      if (query.role) filter.role = query.role;
      if (query.status) filter.status = query.status;
      if (query.professionalId) {
        // A professional's clients are clients: asked for another role, there are none.
        if (query.role && query.role !== 'client') return { accounts: [] };
        filter.role = 'client';
        filter.professionalIds = query.professionalId;
      }
      if (query.search) {
        const email = escapeRegex(normaliseEmail(query.search));
        const name = escapeRegex(query.search.normalize('NFKC').trim());
        filter.$or = [{ email: { $regex: email, $options: 'i' } }, { name: { $regex: name, $options: 'i' } }];
      }
      if (query.cursor) filter._id = { $gt: decodeCursor(query.cursor) };
      const limit = Math.min(Math.max(1, Math.trunc(query.limit)), LIST_LIMIT_MAX);
      // One more than asked: whether a next page exists, without a count.
      const found = await accounts.find(filter).sort({ _id: 1 }).limit(limit + 1).lean<Account[]>().exec();
      const page = found.slice(0, limit);
      const last = page.at(-1);
      return found.length > limit && last ? { accounts: page, nextCursor: encodeCursor(last._id) } : { accounts: page };
    },

    async update(accountId, change, actor) {
      const current = await accounts.findById(accountId).lean<Account>().exec();
      if (!current) throw new AccountError('account_not_found', 'account not found');
      const set: Partial<Pick<Account, 'name' | 'locale' | 'role'>> = {};
      if (change.name !== undefined && change.name !== current.name) set.name = change.name;
      if (change.locale !== undefined && change.locale !== current.locale) set.locale = change.locale;
      const roleChanges = change.role !== undefined && change.role !== current.role;
      if (roleChanges) set.role = change.role;
      const changed = Object.keys(set) as Array<keyof AccountChange>;
      if (changed.length === 0) return { account: current, changed };

      if (roleChanges && current.role === 'professional') {
        // Links live on the clients; a professional who is someone's must be unlinked first. (A link made between
        // this read and the update below names a non-professional, which grants nothing: the API's rules read the
        // acting person's role.)
        if (await accounts.exists({ organisationId: current.organisationId, role: 'client', professionalIds: accountId })) {
          throw new AccountError('has_links', 'the professional still has clients; unlink them first');
        }
      }
      // The one decision: only while the role is still the one read above, and — for a client losing that role —
      // while no professional is linked to it.
      const filter: Record<string, unknown> = { _id: accountId };
      if (roleChanges) filter.role = current.role;
      if (roleChanges && current.role === 'client') filter.professionalIds = { $size: 0 };
      const updated = await accounts.findOneAndUpdate(filter, { $set: set }, { returnDocument: 'after', runValidators: true }).lean<Account>().exec();
      cache.forget(accountKey(accountId));
      if (!updated) {
        const now = await accounts.findById(accountId, { role: 1, professionalIds: 1 }).lean<Account>().exec();
        if (!now) throw new AccountError('account_not_found', 'account not found');
        if (now.role !== current.role) throw new AccountError('role_changed', 'the account\'s role changed meanwhile; read it again');
        throw new AccountError('has_links', 'the client still has professionals; unlink them first');
      }
      await audit.record({
        type: 'account.updated', organisationId: updated.organisationId, actorId: actor?.id, targetId: accountId, ip: actor?.ip,
        data: { fields: changed.join(','), ...(roleChanges ? { roleFrom: current.role, roleTo: updated.role } : {}) },
      });
      return { account: updated, changed };
    },
  };
}
