/**
 * Login-prompt checks Poort adds to oidc-provider's base policy. Each answers "prompt again?" for a session.
 * Full login (password): organisation_mismatch, session_too_old, max_age. Code only (the password session stays):
 * reauthentication, second_factor_missing, code_expired, inactive, enrolment_required, mfa_requested. Apart from the tenant rule
 * (organisation_mismatch) each check prompts exactly when the one rule, src/auth/due.ts, names its reason; they stay
 * separate checks because oidc-provider reports the reasons per check. A check still unmet right after a login result
 * throws unmet_authentication_requirements instead of prompting again (no loops).
 */
import { errors, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { secondFactorDue, sessionFacts, type AccountFacts, type Due, type LoginContext, type PolicyFacts, type Reason } from '../auth/due.ts';
import type { LoginResultFacts } from './activity.ts';
import { clientOrganisation } from './find-account.ts';

export { asksForMultiFactor, CODE_ONLY_REASONS, requestedAcrs } from '../auth/due.ts';

const { base, Check } = interactionPolicy;

export interface PolicyDeps {
  loginContext(accountId: string): Promise<LoginContext | undefined>;
  activity(sessionUid: string): Promise<{ passwordAt: Date; secondFactorAt?: Date; lastActiveAt: Date } | undefined>;
  now(): Date;
  /** Seconds after the password check at which a full login is asked. */
  sessionMaxAge: number;
}

/**
 * An account or organisation that is gone (deleted meanwhile): nothing second-factor can be asked of it, so a step-up
 * is unavailable, while organisation_mismatch asks it a full login.
 */
const GONE: AccountFacts & PolicyFacts = { hasSecondFactor: false, twoFactor: 'off', codeValidity: 0, inactivityTimeout: 0 };

export function createInteractionPolicy(deps: PolicyDeps): interactionPolicy.Prompt[] {
  const justLoggedIn = (ctx: KoaContextWithOIDC): boolean => Boolean(ctx.oidc.result?.login);
  const cache = new WeakMap<object, Promise<{ login?: LoginContext | undefined; due: Due }>>();
  /** The session's account and what is due for this request: read and judged once, every check asks the same answer. */
  const judge = (ctx: KoaContextWithOIDC) => {
    let found = cache.get(ctx);
    if (!found) {
      const session = ctx.oidc.session;
      found = (async () => {
        const fresh = justLoggedIn(ctx);
        // Right after a login result: the facts its steps were decided on, which it carries (interactions/
        // second-factor/finish.ts), and no timers (the rule does not judge them then; the result's are recorded
        // once the authorization is accepted). Otherwise what the account and session are now.
        const carried = fresh ? (ctx.oidc.result?.poort as LoginResultFacts | undefined)?.context : undefined;
        const login = carried ?? (session?.accountId ? await deps.loginContext(session.accountId) : undefined);
        const activity = !fresh && session?.uid ? await deps.activity(session.uid) : undefined;
        const facts = login ?? GONE;
        const due = secondFactorDue({
          account: facts,
          policy: facts,
          session: session && sessionFacts(session, activity, deps.sessionMaxAge),
          asked: {
            action: 'authorization',
            request: { acr_values: ctx.oidc.params?.acr_values, claims: ctx.oidc.claims, max_age: ctx.oidc.params?.max_age },
            loginResult: justLoggedIn(ctx),
          },
          now: deps.now(),
        });
        return { login, due };
      })();
      cache.set(ctx, found);
    }
    return found;
  };

  /** A check of the one rule: prompts when its reason is due; refuses when it is due and cannot be met (no loops). */
  const dueCheck = (reason: Reason, description: string, refusal = description) =>
    new Check(reason, description, 'login_required', async (ctx: KoaContextWithOIDC) => {
      if (!ctx.oidc.session?.accountId) return Check.NO_NEED_TO_PROMPT;
      const { due } = await judge(ctx);
      if (!due.reasons.includes(reason)) return Check.NO_NEED_TO_PROMPT;
      if (due.outcome === 'unavailable') throw new errors.UnmetAuthenticationRequirements(refusal);
      return Check.REQUEST_PROMPT;
    });

  const policy = base();
  const login = policy.get('login');
  if (!login) throw new Error('oidc-provider base policy has no login prompt');
  // oidc-provider's essential-acr checks prompt again even right after a login result, so a level the login could
  // not reach (e.g. `pwd` for an account whose login always ends at mfa) would loop: refuse instead.
  for (const reason of ['essential_acr', 'essential_acrs']) {
    const check = login.checks.get(reason);
    if (!check) continue;
    const original = check.check;
    check.check = async (ctx: KoaContextWithOIDC) => {
      const prompt = await original(ctx);
      if (prompt && justLoggedIn(ctx)) throw new errors.UnmetAuthenticationRequirements(check.description);
      return prompt;
    };
  }
  // `max_age` is judged by the one rule on Poort's clock, where a code alone can renew the authentication (step-up,
  // RFC 9470): oidc-provider's own check (wall clock, always a full login) gives way to the rule's two reasons.
  const maxAgeAt = login.checks.findIndex((check) => check.reason === 'max_age');
  if (maxAgeAt === -1) throw new Error('oidc-provider base policy has no max_age check');
  login.checks.remove('max_age');
  login.checks.add(dueCheck('max_age', 'End-User authentication could not be obtained'), maxAgeAt);
  login.checks.add(dueCheck('reauthentication', 'the last authentication is older than max_age'), maxAgeAt + 1);
  // Its description is oidc-provider's own "no session" one: a prompt=none answer must not tell the client that the
  // browser holds a session at another organisation.
  login.checks.add(new Check('organisation_mismatch', 'End-User authentication is required', 'login_required', async (ctx: KoaContextWithOIDC) => {
    if (!ctx.oidc.session?.accountId) return Check.NO_NEED_TO_PROMPT;
    const { login: context } = await judge(ctx);
    return context?.organisationId === clientOrganisation(ctx) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
  }));
  login.checks.add(dueCheck('session_too_old', 'the session is older than the maximum session age'));
  login.checks.add(dueCheck('second_factor_missing', 'a second factor is required'));
  login.checks.add(dueCheck('code_expired', 'the second factor is older than its validity'));
  login.checks.add(dueCheck('inactive', 'the session has been inactive too long'));
  login.checks.add(dueCheck('enrolment_required', 'the organisation requires a second factor'));
  login.checks.add(dueCheck('mfa_requested', 'the client asks for multi-factor authentication', 'multi-factor authentication is not available for this account'));
  return policy;
}
