/**
 * Who is using the account page: the person logged in at Poort (oidc-provider's session, read from its signed
 * cookie), and whether the session's timers let them in as is or their code is asked first — the rules of a login
 * (DESIGN §4): a second factor proven in this session, within its code validity, and not idle too long.
 */
import type { Context } from 'koa';
import type { Account } from '../../src/accounts/accounts.ts';
import type { Organisation } from '../../src/accounts/organisations.ts';
import { secondFactorDue, sessionFacts, type LoginContext } from '../../src/auth/due.ts';
import { readForm } from '../../src/http/body.ts';
import { verifyCsrf } from '../../src/http/csrf.ts';
import { localeFor } from '../../src/http/locale.ts';
import { HttpError } from '../../src/http/problem.ts';
import type { Locale } from '../../src/i18n/index.ts';
import type { AccountFlash } from '../../src/auth/account-flow.ts';
import type { SessionRef } from '../../src/auth/session-activity.ts';
import type { Purpose } from '../../src/auth/factors/index.ts';
import { codeKindOf } from '../../src/auth/second-factors.ts';
import type { AccountDeps } from './deps.ts';

export const BASE = '/account/security';

export interface Person {
  /** The session uid: key of Poort's session timers and of the page's state. */
  uid: string;
  /** The browser session, for its timers (src/auth/session-activity.ts). */
  session: SessionRef;
  /** The session id (its cookie value) and the grants it holds: what a password change keeps. */
  sessionId: string;
  grantIds: string[];
  account: Account;
  organisation: Organisation;
  context: LoginContext;
  locale: Locale;
  /** The organisation allows second factors and the account has one. */
  twoFactorOn: boolean;
}

export type Visit = { state: 'anonymous'; locale: Locale } | { state: 'code' | 'ok'; person: Person };

export async function visit(deps: AccountDeps, ctx: Context): Promise<Visit> {
  const anonymous: Visit = { state: 'anonymous', locale: localeFor(ctx) };
  const session = await deps.provider.Session.get(ctx);
  if (!session.accountId) return anonymous;
  const [account, context, activity] = await Promise.all([
    deps.accounts.get(session.accountId),
    deps.loginContext(session.accountId),
    deps.sessionActivities.get(session.uid),
  ]);
  const organisation = account ? await deps.organisations.get(account.organisationId) : undefined;
  if (!account || account.status !== 'active' || !context || !organisation) return anonymous;
  const due = secondFactorDue({
    account: context,
    policy: context,
    session: sessionFacts(session, activity, deps.sessionMaxAge),
    asked: { action: 'account_page' },
    now: deps.now(),
  });
  // A full login is due (past the absolute session age): the page sends the person to the platform to log in again.
  if (due.outcome === 'login') return anonymous;
  const person: Person = {
    uid: session.uid,
    session: { uid: session.uid, accountId: session.accountId, loginTs: session.loginTs, amr: session.amr },
    sessionId: session.jti,
    grantIds: Object.values(session.authorizations ?? {}).map((a) => a.grantId).filter((id): id is string => typeof id === 'string'),
    account,
    organisation,
    context,
    locale: localeFor(ctx, { account: account.locale }),
    twoFactorOn: context.twoFactor !== 'off' && context.hasSecondFactor,
  };
  // The code first when this session has not proven it, it is past its validity, or the session idled too long.
  return { state: due.outcome === 'code' ? 'code' : 'ok', person };
}

/** Redirect (303) to a page of the account area, optionally to one of its sections. */
export function back(ctx: Context, path = '', section?: string): void {
  ctx.status = 303;
  ctx.redirect(`${BASE}${path}${section ? `#${section}` : ''}`);
}

/** A POST: the form (CSRF checked first), and the person when the page may be used as is. */
export async function begin(deps: AccountDeps, ctx: Context): Promise<{ form: Record<string, string>; person?: Person }> {
  const form = await readForm(ctx);
  verifyCsrf(ctx, form);
  const found = await visit(deps, ctx);
  if (found.state === 'ok') return { form, person: found.person };
  // No session, or the code is due: the page itself shows what to do.
  if (found.state === 'code') await deps.flows.update(found.person.uid, found.person.account._id, { flash: { errors: ['account.codeFirst'] } });
  back(ctx);
  return { form };
}

export async function flash(deps: AccountDeps, person: Person, message: AccountFlash): Promise<void> {
  await deps.flows.update(person.uid, person.account._id, { flash: message });
}

/** Refuses an action the organisation's policy does not offer (a forged form: the page never shows it). */
export function notAllowed(): HttpError {
  return new HttpError(403, 'not_allowed', 'account.notAllowed');
}

/** The password asked again before a change; on failure the message is set and false returned. */
export async function passwordOk(deps: AccountDeps, ctx: Context, person: Person, password: string | undefined, section: string): Promise<boolean> {
  const verdict = password ? await deps.passwordLogin.verifyPassword(person.account._id, password, ctx.ip) : 'failed';
  if (verdict === 'ok') return true;
  await flash(deps, person, { errors: [verdict === 'throttled' ? 'login.throttled' : 'account.passwordIncorrect'], section });
  return false;
}

/** A code sent for the account page is bound to this browser session's visit. */
export const smsPurpose = (person: Person): Purpose => ({ kind: 'account', id: person.uid });

/**
 * The current code (app or SMS, or a passkey's answer) or a recovery code, asked with a change (`codeKindOf` tells
 * which). On failure the message is set and false returned; a spent recovery code is reported by e-mail.
 */
export async function codeOk(deps: AccountDeps, ctx: Context, person: Person, input: string | undefined, section: string): Promise<boolean> {
  const code = (input ?? '').trim();
  const kind = codeKindOf(code);
  const result = code ? await deps.secondFactors.verify(person.account._id, kind, code, ctx.ip, smsPurpose(person)) : { ok: false as const, reason: 'invalid' as const };
  if (!result.ok) {
    await deps.audit.record({ type: `account.second_factor_${result.reason === 'invalid' ? 'failed' : result.reason}`, organisationId: person.account.organisationId, actorId: person.account._id, targetId: person.account._id, ip: ctx.ip });
    // A locked factor answers like a wrong code.
    await flash(deps, person, { errors: [result.reason === 'throttled' ? 'code.throttled' : 'code.invalid'], section });
    return false;
  }
  if (result.recoveryRemaining !== undefined) await deps.notices.send(person.account._id, 'recoveryCodeUsed', { remaining: result.recoveryRemaining });
  return true;
}

/** After a successful change: activity, the audit event and the e-mail notice. */
export async function recordChange(deps: AccountDeps, ctx: Context, person: Person, type: string, notice: Parameters<AccountDeps['notices']['send']>[1], data?: Record<string, string | number>, vars?: Record<string, string | number>): Promise<void> {
  await deps.sessionActivities.touch(person.session);
  await deps.audit.record({ type, organisationId: person.account.organisationId, actorId: person.account._id, targetId: person.account._id, ip: ctx.ip, data });
  await deps.notices.send(person.account._id, notice, vars);
}
