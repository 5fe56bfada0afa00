/**
 * Forgot password (DESIGN §7): an e-mailed single-use link (valid 1 hour) to choose a new password.
 *
 * - A request answers nothing about the address: the caller responds at once and the lookup, the link and the mail
 *   happen afterwards (`request` never waits; failures are logged). Requests are throttled per organisation +
 *   address and per IP; a throttled request silently sends nothing.
 * - Only an active account gets a link; a new link replaces the account's older unused ones.
 * - With two-step login on (the organisation's policy is not `off` and the account has a factor), the code must be
 *   given for the link (`codeVerifiedAt`) before a new password is accepted.
 * - Setting the password spends the link with one conditional update; then every session and refresh token of the
 *   account ends, the login throttle of the account is cleared, and the person gets a notice.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { mongo } from 'mongoose';
import { RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import type { Account, AccountModel } from '../db/models/account.ts';
import type { PasswordReset, PasswordResetModel } from '../db/models/password-reset.ts';
import { secondFactorDue, type LoginContext } from '../auth/due.ts';
import type { PasswordHasher } from '../auth/password.ts';
import type { PasswordCheck, PasswordVerdict } from './password-check.ts';
import type { Throttle } from '../auth/throttle.ts';
import type { Locale } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import type { Mailer } from '../notify/mailer.ts';
import type { Recorder } from '../metrics/recorder.ts';
import type { Renderer } from '../notify/render.ts';
import type { Audit } from './audit.ts';
import { normaliseEmail } from './email.ts';
import { bothEnded, type EndedSessions } from './ended-sessions.ts';
import type { Notices } from './notices.ts';
import type { AccountStatus, LinkKind } from './vocabulary.ts';

export const RESET_TTL_SECONDS = 3600;
/** Links per organisation + address, and requests per IP, within REQUEST_WINDOW_SECONDS. */
export const REQUESTS_PER_ADDRESS = 3;
export const REQUESTS_PER_IP = 20;
export const REQUEST_WINDOW_SECONDS = 3600;
export const RESET_PATH = '/reset-password';

/** Which accounts a reset link is for (welcome links are src/accounts/invitations.ts's, for invited accounts). */
const ELIGIBLE: Record<Extract<LinkKind, 'reset'>, readonly AccountStatus[]> = { reset: ['active'] };
const TOKEN = /^[\w-]{43}$/;

export type ResetFlash = NonNullable<PasswordReset['flash']>;

/** A live link, as its pages need it. */
export interface ResetLink {
  id: string;
  accountId: string;
  organisationId: string;
  email: string;
  name?: string | undefined;
  locale?: Locale | undefined;
  /** The code must be given before the new password (two-step login is on for the account). */
  codeNeeded: boolean;
  codeVerified: boolean;
  codeSent: boolean;
}

export type CompleteResult =
  | { ok: true }
  | { ok: false; reason: 'invalid' | 'code_required' }
  | ({ ok: false; reason: 'rejected' } & PasswordVerdict);

export interface PasswordResetDeps {
  resets: PasswordResetModel;
  accounts: AccountModel;
  /** Where the request throttles keep their counters. */
  db: mongo.Db;
  loginContext(accountId: string): Promise<LoginContext | undefined>;
  hasher: PasswordHasher;
  passwordCheck: PasswordCheck;
  /** The password login's throttle (its key is organisation + e-mail). */
  passwordThrottle: Pick<Throttle, 'clear'>;
  /** Ends every session and grant of the account (src/oidc/account-sessions.ts). */
  endSessions(accountId: string): Promise<EndedSessions>;
  sessionActivities: { forgetAccount(accountId: string): Promise<void> };
  audit: Audit;
  notices: Notices;
  mailer: Mailer;
  renderer: Renderer;
  issuer: string;
  now: () => Date;
  logger: Logger;
  /** Counts throttled requests, links sent and passwords set (no-op when metrics are off). */
  metrics: Pick<Recorder, 'passwordReset'>;
}

const sha256 = (token: string): string => createHash('sha256').update(token).digest('hex');

export function createPasswordResets(deps: PasswordResetDeps) {
  const { resets, accounts, now, logger } = deps;
  const common = { storeClient: deps.db, dbName: deps.db.databaseName, disableIndexesCreation: true, keyPrefix: '', duration: REQUEST_WINDOW_SECONDS };
  const perAddress = new RateLimiterMongo({ ...common, tableName: 'throttle_reset_address', points: REQUESTS_PER_ADDRESS });
  const perIp = new RateLimiterMongo({ ...common, tableName: 'throttle_reset_ip', points: REQUESTS_PER_IP });
  const inFlight = new Set<Promise<void>>();
  const live = () => ({ usedAt: { $exists: false }, expiresAt: { $gt: now() } });

  async function allowed(key: string, ip: string): Promise<boolean> {
    try {
      await perIp.consume(ip);
      await perAddress.consume(key);
      return true;
    } catch (error) {
      if (error instanceof RateLimiterRes) return false;
      throw error;
    }
  }

  /** A new link for the account; older unused links of the same kind stop working. Answers the token. */
  async function issue(account: Account, kind: LinkKind): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const id = randomUUID();
    const createdAt = now();
    await resets.create({
      _id: id, kind, tokenHash: sha256(token), accountId: account._id, organisationId: account.organisationId,
      createdAt, expiresAt: new Date(createdAt.getTime() + RESET_TTL_SECONDS * 1000),
    });
    // Only links older than this one go, so of two requests at once the newer link survives (not neither).
    await resets.deleteMany({
      accountId: account._id, kind, usedAt: { $exists: false },
      $or: [{ createdAt: { $lt: createdAt } }, { createdAt, _id: { $lt: id } }],
    });
    return token;
  }

  async function handle(input: { organisationId: string; email: string; ip: string; locale: Locale }): Promise<void> {
    const email = normaliseEmail(input.email);
    if (!(await allowed(`${input.organisationId}:${email}`, input.ip))) {
      await deps.audit.record({ type: 'password.reset_throttled', organisationId: input.organisationId, ip: input.ip });
      deps.metrics.passwordReset('throttled');
      return;
    }
    const account = await accounts.findOne({ organisationId: input.organisationId, email }).lean<Account>().exec();
    if (!account || !ELIGIBLE.reset.includes(account.status)) return;
    const token = await issue(account, 'reset');
    const rendered = deps.renderer.renderEmail('password-reset', account.locale ?? input.locale, {
      link: `${deps.issuer}${RESET_PATH}/${token}`, name: account.name,
    });
    await deps.mailer.send({ to: account.email, ...rendered, purpose: 'password-reset' });
    await deps.audit.record({ type: 'password.reset_requested', organisationId: account.organisationId, targetId: account._id, ip: input.ip });
    deps.metrics.passwordReset('link_sent');
  }

  /** The live link of a token (unused, not expired, of an account that may still use it). */
  async function find(token: string): Promise<{ reset: PasswordReset; account: Account } | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const reset = await resets.findOne({ tokenHash: sha256(token), kind: 'reset', ...live() }).lean<PasswordReset>().exec();
    if (!reset) return undefined;
    const account = await accounts.findById(reset.accountId).lean<Account>().exec();
    if (!account || !ELIGIBLE.reset.includes(account.status)) return undefined;
    return { reset, account };
  }

  async function codeNeeded(accountId: string): Promise<boolean> {
    const context = await deps.loginContext(accountId);
    if (!context) return false;
    return secondFactorDue({ account: context, policy: context, asked: { action: 'forgot_password' }, now: now() }).outcome === 'code';
  }

  return {
    async createIndexes(): Promise<void> {
      await Promise.all([perAddress.createIndexes(), perIp.createIndexes()]);
    },

    /** "Forgot password" for an address in an organisation: returns at once, the work goes on afterwards. */
    request(input: { organisationId: string; email: string; ip: string; locale: Locale }): void {
      const task = handle(input).catch((error: unknown) => logger.error({ err: error }, 'password reset request failed'));
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
    },

    /** Waits until the requests still being handled are done (shutdown; tests). */
    async settle(): Promise<void> {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },

    async open(token: string): Promise<ResetLink | undefined> {
      const found = await find(token);
      if (!found) return undefined;
      const { reset, account } = found;
      return {
        id: reset._id, accountId: account._id, organisationId: account.organisationId, email: account.email, name: account.name, locale: account.locale,
        codeNeeded: await codeNeeded(account._id), codeVerified: Boolean(reset.codeVerifiedAt), codeSent: Boolean(reset.codeSentAt),
      };
    },

    /** What a new password breaks for the link's account (the page reports it before the code is spent). */
    check(link: ResetLink, password: string): Promise<PasswordVerdict> {
      return deps.passwordCheck(link, password);
    },

    /** Claims the first sending of the SMS code for the link: true once. */
    async claimCodeSend(id: string): Promise<boolean> {
      return (await resets.updateOne({ _id: id, codeSentAt: { $exists: false }, ...live() }, { $set: { codeSentAt: now() } })).modifiedCount === 1;
    },

    /** The gateway did not take the message: the next showing of the page tries again. */
    async releaseCodeSend(id: string): Promise<void> {
      await resets.updateOne({ _id: id }, { $unset: { codeSentAt: 1 } });
    },

    /** The code was right for this link: the new password may now be set with it. */
    async codeVerified(id: string): Promise<void> {
      await resets.updateOne({ _id: id, ...live() }, { $set: { codeVerifiedAt: now() } });
    },

    async setFlash(id: string, flash: ResetFlash): Promise<void> {
      await resets.updateOne({ _id: id }, { $set: { flash } });
    },

    /** Returns the message once and clears it (one atomic operation). */
    async takeFlash(id: string): Promise<ResetFlash | undefined> {
      const before = await resets.findOneAndUpdate({ _id: id, flash: { $exists: true } }, { $unset: { flash: 1 } }).lean<PasswordReset>().exec();
      return before?.flash ?? undefined;
    },

    /** Sets the new password with the link (once), then ends every session of the account. */
    async complete(token: string, password: string, ip: string): Promise<CompleteResult> {
      const found = await find(token);
      if (!found) return { ok: false, reason: 'invalid' };
      const { reset, account } = found;
      const verdict = await deps.passwordCheck(account, password);
      if (verdict.problems.length > 0) return { ok: false, reason: 'rejected', ...verdict };
      const needsCode = await codeNeeded(account._id);
      if (needsCode && !reset.codeVerifiedAt) return { ok: false, reason: 'code_required' };
      const passwordHash = await deps.hasher.hash(password);
      // Sessions end before the link is spent and again after the new password: should the database fail between
      // the steps, no session from before the reset survives beside a new password.
      const before = await deps.endSessions(account._id);
      // The one decision: of any number of submissions with this link, one spends it.
      const spent = await resets.updateOne(
        { _id: reset._id, ...live(), ...(needsCode ? { codeVerifiedAt: { $exists: true } } : {}) },
        { $set: { usedAt: now() }, $unset: { flash: 1 } },
      );
      if (spent.modifiedCount !== 1) return { ok: false, reason: 'invalid' };
      const updated = await accounts.updateOne(
        { _id: account._id, status: { $in: ELIGIBLE.reset } },
        // The link proved the address, as a welcome link does.
        { $set: { passwordHash, passwordChangedAt: now(), emailVerified: true } },
      );
      if (updated.matchedCount !== 1) return { ok: false, reason: 'invalid' };
      await resets.deleteMany({ accountId: account._id, kind: 'reset', usedAt: { $exists: false } });
      const ended = bothEnded(before, await deps.endSessions(account._id));
      await deps.sessionActivities.forgetAccount(account._id);
      await deps.passwordThrottle.clear(`${account.organisationId}:${account.email}`);
      await deps.audit.record({
        type: 'password.reset', organisationId: account.organisationId, actorId: account._id, targetId: account._id, ip,
        data: { codeChecked: needsCode, sessionsEnded: ended.sessionUids.length, grantsRevoked: ended.grantsRevoked },
      });
      deps.metrics.passwordReset('completed');
      await deps.notices.send(account._id, 'passwordChanged');
      return { ok: true };
    },
  };
}

export type PasswordResets = ReturnType<typeof createPasswordResets>;
