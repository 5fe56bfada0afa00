/**
 * Login-prompt checks Poort adds to oidc-provider's base policy. Each answers "prompt again?" for a session.
 * Full login (password): organisation_mismatch, session_too_old. Code only (the password session stays):
 * second_factor_missing, code_expired, inactive, enrolment_required, mfa_requested. A code-only check still unmet
 * right after a login result throws unmet_authentication_requirements instead of prompting again (no loops).
 */
import { errors, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { ACR } from '../../config/oidc.ts';
import type { TwoFactorPolicy } from '../db/models/organisation.ts';
import { hasSecondFactor } from '../auth/assurance.ts';
import { clientOrganisation } from './find-account.ts';

const { base, Check } = interactionPolicy;

/** Reasons that need only the second factor (or its set-up), not the password again. */
export const CODE_ONLY_REASONS = new Set([
  'second_factor_missing', 'code_expired', 'inactive', 'enrolment_required', 'mfa_requested', 'essential_acr', 'essential_acrs',
]);

export interface LoginContext {
  organisationId: string;
  twoFactor: TwoFactorPolicy;
  hasSecondFactor: boolean;
  /** Seconds a verified code stays valid. */
  codeValidity: number;
  /** Seconds without activity after which the code is asked again. */
  inactivityTimeout: number;
}

export interface PolicyDeps {
  loginContext(accountId: string): Promise<LoginContext | undefined>;
  activity(sessionUid: string): Promise<{ passwordAt: Date; secondFactorAt?: Date; lastActiveAt: Date } | undefined>;
  now(): Date;
  /** Seconds after the password check at which a full login is asked. */
  sessionMaxAge: number;
}

/** The acr values a request asks for: `acr_values` and the `claims` parameter's essential acr (object or JSON). */
export function requestedAcrs(params: { acr_values?: unknown; claims?: unknown }): string[] {
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
export function asksForMultiFactor(params: { acr_values?: unknown; claims?: unknown }): boolean {
  const requested = requestedAcrs(params);
  return requested.includes(ACR.multiFactor) && !requested.includes(ACR.password);
}

export function createInteractionPolicy(deps: PolicyDeps): interactionPolicy.Prompt[] {
  const cache = new WeakMap<object, Promise<{ login?: LoginContext; activity?: Awaited<ReturnType<PolicyDeps['activity']>> }>>();
  const load = (ctx: KoaContextWithOIDC) => {
    let found = cache.get(ctx);
    if (!found) {
      const { accountId, uid } = ctx.oidc.session ?? {};
      found = (async () => ({
        login: accountId ? await deps.loginContext(accountId) : undefined,
        activity: uid ? await deps.activity(uid) : undefined,
      }))();
      cache.set(ctx, found);
    }
    return found;
  };
  const ageOf = (at: Date | undefined): number => (at ? (deps.now().getTime() - at.getTime()) / 1000 : Infinity);
  const justLoggedIn = (ctx: KoaContextWithOIDC): boolean => Boolean(ctx.oidc.result?.login);

  /** A code-only check: prompt, or — when a login result just came back and it is still unmet — refuse. */
  const codeOnly = (reason: string, description: string, unmet: (ctx: KoaContextWithOIDC, c: Awaited<ReturnType<typeof load>>) => boolean) =>
    new Check(reason, description, 'login_required', async (ctx: KoaContextWithOIDC) => {
      if (!ctx.oidc.session?.accountId) return Check.NO_NEED_TO_PROMPT;
      const context = await load(ctx);
      if (!context.login || !unmet(ctx, context)) return Check.NO_NEED_TO_PROMPT;
      if (justLoggedIn(ctx)) throw new errors.UnmetAuthenticationRequirements(description);
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
  // Its description is oidc-provider's own "no session" one: a prompt=none answer must not tell the client that the
  // browser holds a session at another organisation.
  login.checks.add(new Check('organisation_mismatch', 'End-User authentication is required', 'login_required', async (ctx: KoaContextWithOIDC) => {
    if (!ctx.oidc.session?.accountId) return Check.NO_NEED_TO_PROMPT;
    const context = await load(ctx);
    return context.login?.organisationId === clientOrganisation(ctx) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
  }));
  login.checks.add(new Check('session_too_old', 'the session is older than the maximum session age', 'login_required', async (ctx: KoaContextWithOIDC) => {
    if (!ctx.oidc.session?.accountId || justLoggedIn(ctx)) return Check.NO_NEED_TO_PROMPT;
    const { activity } = await load(ctx);
    const passwordAt = activity?.passwordAt ?? new Date((ctx.oidc.session.loginTs ?? 0) * 1000);
    return ageOf(passwordAt) > deps.sessionMaxAge ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
  }));
  const twoFactorOn = (l: LoginContext): boolean => l.twoFactor !== 'off' && l.hasSecondFactor;
  login.checks.add(codeOnly('second_factor_missing', 'a second factor is required', (ctx, { login: l }) =>
    Boolean(l && twoFactorOn(l) && !hasSecondFactor(ctx.oidc.session?.amr))));
  login.checks.add(codeOnly('code_expired', 'the second factor is older than its validity', (ctx, { login: l, activity }) =>
    Boolean(l && twoFactorOn(l) && hasSecondFactor(ctx.oidc.session?.amr) && !justLoggedIn(ctx)
      && ageOf(activity?.secondFactorAt ?? new Date((ctx.oidc.session?.loginTs ?? 0) * 1000)) > l.codeValidity)));
  login.checks.add(codeOnly('inactive', 'the session has been inactive too long', (ctx, { login: l, activity }) =>
    Boolean(l && twoFactorOn(l) && !justLoggedIn(ctx) && activity && ageOf(activity.lastActiveAt) > l.inactivityTimeout)));
  login.checks.add(codeOnly('enrolment_required', 'the organisation requires a second factor', (_ctx, { login: l }) =>
    Boolean(l && l.twoFactor === 'required' && !l.hasSecondFactor)));
  login.checks.add(new Check('mfa_requested', 'the client asks for multi-factor authentication', 'login_required', async (ctx: KoaContextWithOIDC) => {
    const params = { acr_values: ctx.oidc.params?.acr_values, claims: ctx.oidc.claims };
    if (!ctx.oidc.session?.accountId || !asksForMultiFactor(params) || ctx.oidc.session.acr === ACR.multiFactor) return Check.NO_NEED_TO_PROMPT;
    const { login: l } = await load(ctx);
    if (!l || l.twoFactor === 'off' || justLoggedIn(ctx)) {
      throw new errors.UnmetAuthenticationRequirements('multi-factor authentication is not available for this account');
    }
    return Check.REQUEST_PROMPT;
  }));
  return policy;
}
