/**
 * The one "what is due?" rule. From what the account has, its organisation's policy, the times of a browser session
 * and what is being done, it answers what must be proven first — nothing, the second factor's code, the set-up of a
 * factor, a full login (password, then the code), or `unavailable`: nothing the person can do meets the request (the
 * client gets `unmet_authentication_requirements`) — and why, in the reason codes of the login prompt's checks
 * (src/oidc/policy.ts), so oidc-provider reports the same prompt reasons. Every place that asks "is a code due?" asks
 * here: the login prompt's checks, the login page after the password, the account page, the password-reset link.
 * Pure: the caller reads the facts and passes the clock.
 *
 * "2FA on": the organisation's policy is not `off` and the account has a second factor. Durations are seconds; a
 * timer (t) has run out when strictly more than its duration has passed. In brackets: what is asked that it judges.
 *
 * | reason                | asks       | applies when                                                                 |
 * |-----------------------|------------|------------------------------------------------------------------------------|
 * | no_session            | full login | there is no session (authorization, account page)                            |
 * | session_too_old (t)   | full login | the password is older than the session's maximum age (authorization, page)   |
 * | second_factor_missing | code       | 2FA on and the session has not proven the code (authorization, login, page)  |
 * | code_expired (t)      | code       | 2FA on, proven, and the code older than its validity (authorization, page)   |
 * | inactive (t)          | code       | 2FA on and no activity for the inactivity timeout (authorization, page)      |
 * | enrolment_required    | set-up     | the policy is `required` and the account has no factor (authorization, login)|
 * | mfa_requested         | code       | the request asks the mfa level (`asksForMultiFactor`) and the session's acr  |
 * |                       |            | is the password level (authorization, login); without a factor the set-up;   |
 * |                       |            | with the policy `off` unavailable                                            |
 * | action_requires_code  | code       | 2FA on (change_password, forgot_password, disable)                           |
 * | reauthentication (t) | code       | 2FA on and the request's `max_age` has passed since the session's last login |
 * |                       |            | (its `auth_time`): the code is a fresh authentication (RFC 9470 step-up)     |
 * | max_age (t)           | full login | the same with 2FA off for the person: the password again                     |
 * | login_prompt          | full login | oidc-provider's own check, not this rule: `prompt=login`                     |
 * | essential_acr(s)      | code       | oidc-provider's own: an essential `acr` claim the session's acr does not meet|
 * |                       |            | (beside mfa_requested; Poort refuses it right after a login result)          |
 * | organisation_mismatch | full login | not this rule: the tenant rule of src/oidc/policy.ts                         |
 *
 * - Proven: a code after the session's last password. For an authorization only a login result that carried the code
 *   counts (the session's amr): the ID token reports the session's amr and acr, which only a login result sets. The
 *   account page also counts a code proven for the page itself. For both, a password-only login after the last code
 *   (e.g. while the organisation had 2FA off) does not count as proven; for an authorization that already follows
 *   from its amr. Where Poort keeps no times for a session, oidc-provider's login time stands for them.
 * - Right after a login result (the interaction's answer, whose times are recorded only once the authorization is
 *   accepted) the timers are not judged, and whatever still applies cannot be asked again: `unavailable` (no loops).
 * - Several reasons: `unavailable` wins and names only what cannot be met; otherwise the most work — full login
 *   (which includes the code), set-up, code — and every reason that applies, in the order of this table.
 *
 * What is asked (DESIGN §5): `authorization` — an authorization request at the login prompt (log in within the code
 * validity and not idle: nothing; after 1 h inactivity: the code). `login` — the password of a login was just right:
 * what the password-only session it leaves would be asked (the code, or a set-up). `account_page` — using
 * /account/security (the page offers the set-up itself, so no enrolment is asked there; a full login sends the
 * person to log in through the platform). `change_password`, `forgot_password` (before the link's new password),
 * `disable` (offered only where the policy is `optional`, the page's rule): the code with the change.
 * `new_recovery_codes`, `code_validity`: the password only. Setting up or changing a factor proves the new factor's
 * first code as part of the set-up, not as a code due here.
 */
import { ACR, AMR } from '../../config/oidc.ts';
import type { TwoFactorPolicy } from '../accounts/vocabulary.ts';
import { acrFor, hasSecondFactor } from './assurance.ts';

/** What the account has. */
export interface AccountFacts {
  /** Any enrolled factor, also one the organisation no longer offers: a policy change never locks anyone out. */
  hasSecondFactor: boolean;
}

/** The organisation's second-factor policy as it applies to the person (src/auth/login-context.ts resolves it). */
export interface PolicyFacts {
  twoFactor: TwoFactorPolicy;
  /** Seconds a verified code stays valid: the person's choice among the organisation's, or its default. */
  codeValidity: number;
  /** Seconds without activity after which the code is asked again. */
  inactivityTimeout: number;
}

/**
 * What the login policy knows about an account: its organisation, its factor and its policy. Read once per request
 * (src/auth/login-context.ts) and asked by the login prompt's checks (src/oidc/policy.ts), the account page and the
 * password-reset link.
 */
export interface LoginContext extends AccountFacts, PolicyFacts {
  organisationId: string;
}

/** A browser session: oidc-provider's login and Poort's own timers of it (session_activity). */
export interface SessionFacts {
  /** The methods of the session's last login result (oidc-provider's `session.amr`). */
  amr: readonly string[];
  /** oidc-provider's login time (`session.loginTs`): stands for the times Poort has no record of. */
  loginAt?: Date | undefined;
  /** When the password, and the second factor, were last checked in this session. */
  passwordAt?: Date | undefined;
  secondFactorAt?: Date | undefined;
  /** The last activity; absent when Poort has recorded none for the session (then its login time stands for it). */
  lastActiveAt?: Date | undefined;
  /** Seconds after the password check at which a full login is due (SESSION_MAX_AGE). */
  maxAge: number;
}

/** The facts of a session from oidc-provider's session (`amr`, `loginTs` in seconds) and Poort's timers of it. */
export function sessionFacts(
  session: { amr?: readonly string[] | undefined; loginTs?: number | undefined },
  timers: { passwordAt?: Date; secondFactorAt?: Date; lastActiveAt?: Date } | undefined,
  maxAge: number,
): SessionFacts {
  return {
    amr: session.amr ?? [],
    loginAt: session.loginTs ? new Date(session.loginTs * 1000) : undefined,
    passwordAt: timers?.passwordAt,
    secondFactorAt: timers?.secondFactorAt,
    lastActiveAt: timers?.lastActiveAt,
    maxAge,
  };
}

/** The parameters of an authorization request that can ask for a level: `acr_values`, and `claims` (object or JSON). */
export interface StepUpRequest {
  acr_values?: unknown;
  claims?: unknown;
  /** Seconds since the last authentication that the client accepts (number or digits). */
  max_age?: unknown;
}

/** The request's `max_age` in seconds, when it has a valid one. */
export function requestedMaxAge(params: StepUpRequest): number | undefined {
  const value = typeof params.max_age === 'string' && /^\d{1,10}$/.test(params.max_age) ? Number(params.max_age) : params.max_age;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

export type Asked =
  /** The login prompt of an authorization request; `loginResult`: it carries its interaction's login result now. */
  | { action: 'authorization'; request: StepUpRequest; loginResult: boolean }
  /** The password of a login (for this authorization request) was just right. */
  | { action: 'login'; request: StepUpRequest }
  | { action: 'account_page' | 'change_password' | 'forgot_password' | 'disable' | 'new_recovery_codes' | 'code_validity' };

export type Reason =
  | 'no_session' | 'session_too_old' | 'second_factor_missing' | 'code_expired' | 'inactive' | 'enrolment_required'
  | 'mfa_requested' | 'reauthentication' | 'max_age' | 'action_requires_code';

export interface Due {
  outcome: 'none' | 'code' | 'enrolment' | 'login' | 'unavailable';
  /** Why: every reason that applies, in the order of the table; for `unavailable` only what cannot be met. */
  reasons: Reason[];
}

export interface DueInput {
  account: AccountFacts;
  policy: PolicyFacts;
  /** The browser session, where one is judged (authorization, account page and its changes); none for a reset link. */
  session?: SessionFacts | undefined;
  asked: Asked;
  now: Date;
}

/**
 * Prompt reasons that the second step alone answers (the code, or the set-up of a factor), the password of the
 * session standing: this rule's code and set-up reasons, and oidc-provider's essential acr checks (a password session
 * reaches the mfa level with its code). Any other reason (no_session, max_age, login_prompt, session_too_old,
 * organisation_mismatch, …) asks the full login.
 */
export const CODE_ONLY_REASONS: ReadonlySet<string> = new Set([
  'second_factor_missing', 'code_expired', 'inactive', 'enrolment_required', 'mfa_requested', 'reauthentication', 'essential_acr', 'essential_acrs',
]);

/** The acr values a request asks for: `acr_values` and the `claims` parameter's essential acr (object or JSON). */
export function requestedAcrs(params: StepUpRequest): string[] {
  const fromParam = typeof params.acr_values === 'string' ? params.acr_values.split(' ').filter(Boolean) : [];
  let claims = params.claims;
  if (typeof claims === 'string') {
    try {
      claims = JSON.parse(claims);
    } catch {
      claims = undefined;
    }
  }
  const acr = (claims as { id_token?: { acr?: { essential?: boolean; value?: unknown; values?: unknown } } } | undefined)?.id_token?.acr;
  const values = [...(Array.isArray(acr?.values) ? acr.values : []), ...(acr?.value === undefined ? [] : [acr.value])];
  const fromClaims = acr?.essential ? values.filter((v): v is string => typeof v === 'string') : [];
  return [...fromParam, ...fromClaims];
}

/** True when the request asks for multi-factor assurance and does not also accept the password level. */
export function asksForMultiFactor(params: StepUpRequest): boolean {
  const requested = requestedAcrs(params);
  return requested.includes(ACR.multiFactor) && !requested.includes(ACR.password);
}

type Asks = 'code' | 'enrolment' | 'login' | 'unavailable';
/** How much each outcome asks of the person: with several reasons the most work is due (a full login includes the code). */
const WORK = { none: 0, code: 1, enrolment: 2, login: 3 } as const;

/** What is due before `asked` may go ahead, and why (see the table above). */
export function secondFactorDue({ account, policy, session, asked, now }: DueInput): Due {
  const on = policy.twoFactor !== 'off' && account.hasSecondFactor;
  switch (asked.action) {
    case 'change_password':
    case 'forgot_password':
    case 'disable':
      return on ? { outcome: 'code', reasons: ['action_requires_code'] } : { outcome: 'none', reasons: [] };
    case 'new_recovery_codes':
    case 'code_validity':
      return { outcome: 'none', reasons: [] };
    case 'login':
      // The login result will carry the password alone, checked now: what would that session be asked?
      return judge({
        account, policy, now, on, forPage: false, request: asked.request, loginResult: false,
        session: { amr: [AMR.password], loginAt: now, passwordAt: now, maxAge: Number.POSITIVE_INFINITY },
      });
    case 'account_page':
      return judge({ account, policy, now, on, forPage: true, session, loginResult: false });
    case 'authorization':
      return judge({ account, policy, now, on, forPage: false, session, request: asked.request, loginResult: asked.loginResult });
  }
}

function judge(f: {
  account: AccountFacts; policy: PolicyFacts; session: SessionFacts | undefined; now: Date; on: boolean; forPage: boolean;
  request?: StepUpRequest; loginResult: boolean;
}): Due {
  const { account, policy, session, on } = f;
  if (!session) return { outcome: 'login', reasons: ['no_session'] };
  // A time never recorded is as old as can be: whatever it guards is due.
  const age = (at: Date | undefined): number => (at ? (f.now.getTime() - at.getTime()) / 1000 : Infinity);
  const loginHadCode = hasSecondFactor(session.amr);
  const passwordAt = session.passwordAt ?? session.loginAt;
  const codeAt = session.secondFactorAt ?? (loginHadCode ? session.loginAt : undefined);
  // No activity recorded yet (src/auth/session-activity.ts): the session has been idle since its login.
  const lastActiveAt = session.lastActiveAt ?? session.loginAt;
  // A password-only login after the last code: that code no longer vouches for the person now logged in.
  const passwordSinceCode = !loginHadCode && codeAt !== undefined && passwordAt !== undefined && codeAt < passwordAt;
  // Tokens carry the session's amr, so an authorization needs a login that carried the code; the account page also
  // takes a code proven for the page.
  const proven = (f.forPage ? codeAt !== undefined : loginHadCode) && !passwordSinceCode;
  // Right after a login result its times are not recorded yet: the stored ones would judge the login before it.
  const timers = !f.loginResult;

  const found: [Reason, Asks][] = [];
  if (timers && age(passwordAt) > session.maxAge) found.push(['session_too_old', 'login']);
  if (on && !proven) found.push(['second_factor_missing', 'code']);
  if (on && proven && timers && age(codeAt) > policy.codeValidity) found.push(['code_expired', 'code']);
  if (on && timers && lastActiveAt && age(lastActiveAt) > policy.inactivityTimeout) found.push(['inactive', 'code']);
  if (!f.forPage && policy.twoFactor === 'required' && !account.hasSecondFactor) found.push(['enrolment_required', 'enrolment']);
  // The last authentication is the session's last login result (oidc-provider's login time, the tokens' auth_time):
  // with 2FA on, a code alone renews it; otherwise the password does.
  const maxAge = f.request ? requestedMaxAge(f.request) : undefined;
  if (timers && maxAge !== undefined && age(session.loginAt) > maxAge) found.push(on ? ['reauthentication', 'code'] : ['max_age', 'login']);
  if (f.request && asksForMultiFactor(f.request) && acrFor(session.amr) !== ACR.multiFactor) {
    found.push(['mfa_requested', policy.twoFactor === 'off' ? 'unavailable' : account.hasSecondFactor ? 'code' : 'enrolment']);
  }

  // Right after a login result everything still due was just asked: asking again would loop.
  const unmet = found.filter(([, asks]) => asks === 'unavailable' || f.loginResult);
  if (unmet.length > 0) return { outcome: 'unavailable', reasons: unmet.map(([reason]) => reason) };
  let outcome: keyof typeof WORK = 'none';
  for (const [, asks] of found) if (asks !== 'unavailable' && WORK[asks] > WORK[outcome]) outcome = asks;
  return { outcome, reasons: found.map(([reason]) => reason) };
}
