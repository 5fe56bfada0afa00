/** Account use cases (creation by a manager or operator; later: invitations, resets). */
import { randomUUID } from 'node:crypto';
import type { Account, AccountModel } from '../db/models/account.ts';
import type { OrganisationModel } from '../db/models/organisation.ts';
import type { PasswordHasher } from '../auth/password.ts';
import { PASSWORD_MIN_LENGTH } from '../auth/password.ts';
import { feedbackText } from '../auth/password-strength.ts';
import type { PasswordCheck } from './password-check.ts';
import { translator, type Locale } from '../i18n/index.ts';
import type { ReadCache } from '../db/read-cache.ts';
import { normaliseEmail } from './email.ts';
import type { Audit } from './audit.ts';
import type { Role } from './vocabulary.ts';

// The document as the rest of Poort sees it: flows and admin code name it through this service, never src/db.
export type { Account };

export class AccountError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'AccountError';
    this.code = code;
  }
}

export interface NewAccount {
  organisationId: string;
  email: string;
  role: Role;
  name?: string;
  locale?: Locale;
  /** Seeding only (CLI/dev): sets the password at once and activates the account. */
  password?: string;
  professionalId?: string;
}

export interface Accounts {
  create(input: NewAccount, actor?: { id?: string; ip?: string }): Promise<Account>;
  get(id: string): Promise<Account | undefined>;
  findByEmail(organisationId: string, email: string): Promise<Account | undefined>;
}

/** The request cache's key of an account. */
export const accountKey = (id: string): string => `Account:${id}`;

const isDuplicate = (error: unknown): boolean => (error as { code?: number }).code === 11000;

export function createAccounts(deps: { accounts: AccountModel; organisations: OrganisationModel; hasher: PasswordHasher; audit: Audit; cache: ReadCache; passwordCheck: PasswordCheck }): Accounts {
  const { accounts, organisations, hasher, audit, cache } = deps;
  return {
    async create(input, actor) {
      const email = normaliseEmail(input.email);
      if (!(await organisations.exists({ _id: input.organisationId }))) {
        throw new AccountError('organisation_not_found', 'organisation not found');
      }
      if (input.professionalId) {
        const professional = await accounts.findOne({ _id: input.professionalId, organisationId: input.organisationId, role: 'professional' }).lean();
        if (!professional || input.role !== 'client') {
          throw new AccountError('professional_invalid', 'professional must be a professional of the same organisation, linked to a client');
        }
      }
      let passwordHash: string | undefined;
      if (input.password !== undefined) {
        // Seeding sets a password too: the same check as every page that sets one.
        const verdict = await deps.passwordCheck({ email, name: input.name, organisationId: input.organisationId }, input.password);
        if (verdict.problems.length > 0) {
          const t = translator('en');
          const rules = verdict.problems.map((p) => t(`password.${p}`, { min: PASSWORD_MIN_LENGTH }));
          const advice = verdict.feedback.map((key) => feedbackText(key, 'en'));
          throw new AccountError('password_rejected', `password rejected: ${[...rules, ...advice].join(' ')}`);
        }
        passwordHash = await hasher.hash(input.password);
      }
      try {
        const created = await accounts.create({
          _id: randomUUID(),
          organisationId: input.organisationId,
          email,
          name: input.name,
          role: input.role,
          locale: input.locale,
          status: passwordHash ? 'active' : 'invited',
          passwordHash,
          passwordChangedAt: passwordHash ? new Date() : undefined,
          professionalIds: input.professionalId ? [input.professionalId] : [],
        });
        await audit.record({ type: 'account.created', organisationId: input.organisationId, actorId: actor?.id, targetId: created._id, ip: actor?.ip, data: { role: input.role } });
        return created.toObject();
      } catch (error) {
        if (isDuplicate(error)) throw new AccountError('email_taken', 'an account with this e-mail address already exists in the organisation');
        throw error;
      }
    },
    get: (id) => cache.read(accountKey(id), async () => (await accounts.findById(id).lean<Account>().exec()) ?? undefined),
    async findByEmail(organisationId, email) {
      const found = (await accounts.findOne({ organisationId, email: normaliseEmail(email) }).lean<Account>().exec()) ?? undefined;
      // The rest of the request asks for it by id (the login's next steps).
      if (found) cache.keep(accountKey(found._id), found);
      return found;
    },
  };
}
