/**
 * Login-prompt checks Poort adds to oidc-provider's base policy. Each answers "prompt again?" for a session.
 * - organisation_mismatch: the session's account belongs to another organisation than the client (tenant rule);
 *   with prompt=none the client gets login_required, as for no session at all.
 */
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { clientOrganisation } from './find-account.ts';

const { base, Check } = interactionPolicy;

export interface PolicyDeps {
  organisationOfAccount(accountId: string): Promise<string | undefined>;
}

export function createInteractionPolicy(deps: PolicyDeps): interactionPolicy.Prompt[] {
  const policy = base();
  const login = policy.get('login');
  if (!login) throw new Error('oidc-provider base policy has no login prompt');
  login.checks.add(
    new Check('organisation_mismatch', 'the session belongs to an account of another organisation', 'login_required', async (ctx: KoaContextWithOIDC) => {
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId) return Check.NO_NEED_TO_PROMPT;
      const organisation = await deps.organisationOfAccount(accountId);
      return organisation === clientOrganisation(ctx) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );
  return policy;
}
