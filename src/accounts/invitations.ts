/**
 * Invitations (the seed's first paragraph): an account created for a person is `invited` and gets a welcome e-mail
 * with a single-use link to choose the first password. Using the link sets the password, verifies the e-mail address,
 * activates the account and spends the link in ONE atomic update of the account document (the account holds the
 * current link's hash and expiry): of any number of submissions one wins, and a crash leaves either a usable link or
 * a finished account, never neither. The link's token (32 random bytes) travels only in the e-mail; Poort keeps its
 * SHA-256 — in the account (the authority) and in a `password_resets` entry of kind `welcome` (the pointer a token
 * is looked up by, and the page's message store). Sending a new link replaces the account's link, so the old one
 * stops working at once.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { mongo } from 'mongoose';
import { RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import type { Account, AccountModel } from '../db/models/account.ts';
import type { OrganisationModel } from '../db/models/organisation.ts';
import type { PasswordResetModel } from '../db/models/password-reset.ts';
import type { PasswordHasher } from '../auth/password.ts';
import type { PasswordCheck, PasswordVerdict } from './password-check.ts';
import type { Logger } from '../log.ts';
import type { Mailer } from '../notify/mailer.ts';
import type { Renderer } from '../notify/render.ts';
import type { Audit } from './audit.ts';
import type { Inviter } from './vocabulary.ts';

/**
 * Who created the account, as the welcome e-mail names them (by role, never by name); the id and address of the
 * person who sends it now, for the audit log (none when the invited person asks for a fresh link).
 */
export interface InvitedBy {
  role: Inviter;
  id?: string;
  ip?: string;
}

export interface SentInvitation {
  /** The link as e-mailed (the CLI prints it only in development, `--print-link`). */
  link: string;
  expiresAt: Date;
}

export class InvitationError extends Error {
  readonly code: 'not_found' | 'not_invited';
  constructor(code: 'not_found' | 'not_invited', message: string) {
    super(message);
    this.name = 'InvitationError';
    this.code = code;
  }
}

export const WELCOME_PATH = '/welcome';
/**
 * How long a link's pointer outlives the link: its page can then still tell "expired or used" and offer a fresh link
 * for an account that is still waiting, instead of "unknown".
 */
const POINTER_KEPT_SECONDS = 30 * 86400;
/** Fresh-link requests from a link's page, per account and per IP, within FRESH_WINDOW_SECONDS. */
export const FRESH_PER_ACCOUNT = 3;
export const FRESH_PER_IP = 20;
const FRESH_WINDOW_SECONDS = 3600;
const TOKEN = /^[\w-]{43}$/;

const sha256 = (token: string): string => createHash('sha256').update(token).digest('hex');

/** A link that can set the first password now, as its page needs it. */
export interface WelcomeLink {
  /** The pointer's id: names the link's page state (its messages), never the token. */
  id: string;
  account: Account;
  organisationName: string;
  expiresAt: Date;
}

export type AcceptResult =
  | { ok: true; account: Account }
  | { ok: false; reason: 'invalid' }
  | ({ ok: false; reason: 'rejected' } & PasswordVerdict);

export interface InvitationDeps {
  accounts: AccountModel;
  organisations: OrganisationModel;
  /** The `password_resets` collection: the welcome links' pointers (kind `welcome`). */
  links: PasswordResetModel;
  /** Where the fresh-link throttles keep their counters. */
  db: mongo.Db;
  hasher: PasswordHasher;
  passwordCheck: PasswordCheck;
  audit: Audit;
  mailer: Mailer;
  renderer: Renderer;
  issuer: string;
  /** INVITATION_TTL. */
  ttlSeconds: number;
  now: () => Date;
  logger: Logger;
}

export function createInvitations(deps: InvitationDeps) {
  const { accounts, links, now } = deps;
  const common = { storeClient: deps.db, dbName: deps.db.databaseName, disableIndexesCreation: true, keyPrefix: '', duration: FRESH_WINDOW_SECONDS };
  const perAccount = new RateLimiterMongo({ ...common, tableName: 'throttle_welcome_account', points: FRESH_PER_ACCOUNT });
  const perIp = new RateLimiterMongo({ ...common, tableName: 'throttle_welcome_ip', points: FRESH_PER_IP });
  const inFlight = new Set<Promise<void>>();

  async function send(accountId: string, by: InvitedBy): Promise<SentInvitation> {
    const account = await accounts.findById(accountId).lean<Account>().exec();
    if (!account) throw new InvitationError('not_found', 'account not found');
    if (account.status !== 'invited') throw new InvitationError('not_invited', `the account is not waiting for its first password (status: ${account.status})`);
    const organisation = await deps.organisations.findById(account.organisationId, { name: 1 }).lean().exec();
    const token = randomBytes(32).toString('base64url');
    const tokenHash = sha256(token);
    const sentAt = now();
    const expiresAt = new Date(sentAt.getTime() + deps.ttlSeconds * 1000);
    // The pointer first: should the next step fail, the account still holds its previous link, which keeps working.
    await links.create({
      _id: randomUUID(), kind: 'welcome', tokenHash, accountId: account._id, organisationId: account.organisationId,
      createdAt: sentAt, expiresAt: new Date(expiresAt.getTime() + POINTER_KEPT_SECONDS * 1000),
    });
    // One update replaces the account's link: from here on only the new token works.
    const replaced = await accounts.updateOne({ _id: account._id, status: 'invited' }, { $set: { invitation: { tokenHash, expiresAt, sentAt, by: by.role } } });
    if (replaced.matchedCount !== 1) throw new InvitationError('not_invited', 'the account is no longer waiting for its first password');
    const link = `${deps.issuer}${WELCOME_PATH}/${token}`;
    const rendered = deps.renderer.renderEmail('welcome', account.locale ?? 'en', {
      link, name: account.name, organisation: organisation?.name ?? '', by: by.role, expiresAt: expiresAt.toISOString(), hours: Math.round(deps.ttlSeconds / 3600),
    });
    await deps.mailer.send({ to: account.email, ...rendered, purpose: 'welcome' });
    await deps.audit.record({
      type: 'account.welcome_sent', organisationId: account.organisationId, actorId: by.id, targetId: account._id,
      ip: by.ip, data: { by: by.role, expiresAt: expiresAt.toISOString() },
    });
    return { link, expiresAt };
  }

  /** The pointer and account of a token, whatever state the link is in. */
  async function lookup(token: string): Promise<{ pointerId: string; account: Account } | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const pointer = await links.findOne({ tokenHash: sha256(token), kind: 'welcome' }).lean().exec();
    if (!pointer) return undefined;
    const account = await accounts.findById(pointer.accountId).lean<Account>().exec();
    return account ? { pointerId: pointer._id, account } : undefined;
  }

  /** Usable: the account is still invited, and this is its current link, not yet expired. */
  const usable = (account: Account, token: string): boolean =>
    account.status === 'invited' && account.invitation?.tokenHash === sha256(token) && account.invitation.expiresAt > now();

  async function freshLink(token: string, ip: string): Promise<void> {
    const found = await lookup(token);
    const key = found?.account._id ?? `unknown:${sha256(token)}`;
    try {
      await perIp.consume(ip);
      await perAccount.consume(key);
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        await deps.audit.record({ type: 'account.welcome_fresh_throttled', organisationId: found?.account.organisationId, targetId: found?.account._id, ip });
        return;
      }
      throw error;
    }
    // Only an account still waiting for its first password gets a new link; to an active one a welcome means nothing.
    if (!found || found.account.status !== 'invited') return;
    await send(found.account._id, { role: found.account.invitation?.by ?? 'operator', ip });
  }

  return {
    send,

    /** The link's page: a usable link, or nothing (expired, used, replaced, tampered or unknown look the same). */
    async open(token: string): Promise<WelcomeLink | undefined> {
      const found = await lookup(token);
      if (!found || !usable(found.account, token)) return undefined;
      const organisation = await deps.organisations.findById(found.account.organisationId, { name: 1 }).lean().exec();
      return { id: found.pointerId, account: found.account, organisationName: organisation?.name ?? '', expiresAt: found.account.invitation?.expiresAt as Date };
    },

    /** What a new password breaks for the link's account (the page lists every broken rule at once). */
    check(link: WelcomeLink, password: string): Promise<PasswordVerdict> {
      return deps.passwordCheck(link.account, password);
    },

    /**
     * Sets the first password with the link. The one decision (see the header): a single update that checks the
     * link is the account's current, unexpired one and the account still invited, and activates it.
     */
    async accept(token: string, password: string, ip: string): Promise<AcceptResult> {
      const found = await lookup(token);
      if (!found || !usable(found.account, token)) return { ok: false, reason: 'invalid' };
      const { account } = found;
      const verdict = await deps.passwordCheck(account, password);
      if (verdict.problems.length > 0) return { ok: false, reason: 'rejected', ...verdict };
      const passwordHash = await deps.hasher.hash(password);
      const at = now();
      const activated = await accounts.findOneAndUpdate(
        { _id: account._id, status: 'invited', 'invitation.tokenHash': sha256(token), 'invitation.expiresAt': { $gt: at } },
        { $set: { status: 'active', passwordHash, passwordChangedAt: at, emailVerified: true }, $unset: { invitation: 1 } },
        { returnDocument: 'after' },
      ).lean<Account>().exec();
      if (!activated) return { ok: false, reason: 'invalid' };
      // Bookkeeping only: the account no longer accepts this token whatever happens to its pointer.
      await links.updateOne({ _id: found.pointerId }, { $set: { usedAt: at }, $unset: { flash: 1 } });
      await deps.audit.record({ type: 'account.activated', organisationId: account.organisationId, actorId: account._id, targetId: account._id, ip });
      return { ok: true, account: activated };
    },

    /**
     * "Send me a new link" on the page of a link that no longer works: answers at once and the same way whatever the
     * link was (the work goes on afterwards); throttled per account and per IP.
     */
    requestFresh(token: string, ip: string): void {
      const task = freshLink(token, ip).catch((error: unknown) => deps.logger.error({ err: error }, 'fresh welcome link failed'));
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
    },

    async createIndexes(): Promise<void> {
      await Promise.all([perAccount.createIndexes(), perIp.createIndexes()]);
    },

    /** Waits until the fresh-link requests still being handled are done (shutdown; tests). */
    async settle(): Promise<void> {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}

export type Invitations = ReturnType<typeof createInvitations>;
