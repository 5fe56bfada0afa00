/** What the login policy needs to know about an account: its organisation's rules and its second factor. */
import type { AccountModel } from '../db/models/account.ts';
import { withPolicyDefaults } from '../accounts/organisations.ts';
import type { Organisation, OrganisationModel } from '../db/models/organisation.ts';
import type { SecondFactorModel } from '../db/models/second-factor.ts';
import type { LoginContext } from '../oidc/policy.ts';

export function createLoginContexts(deps: { accounts: AccountModel; organisations: OrganisationModel; factors: SecondFactorModel }) {
  return async (accountId: string): Promise<LoginContext | undefined> => {
    const [account, factor] = await Promise.all([
      deps.accounts.findById(accountId, { organisationId: 1 }).lean().exec(),
      deps.factors.findById(accountId, { method: 1, codeValidity: 1 }).lean().exec(),
    ]);
    if (!account) return undefined;
    const stored = await deps.organisations.findById(account.organisationId).lean<Organisation>().exec();
    if (!stored) return undefined;
    const organisation = withPolicyDefaults(stored);
    const chosen = factor?.codeValidity;
    return {
      organisationId: account.organisationId,
      twoFactor: organisation.twoFactor,
      // Any enrolled factor counts, also one the organisation no longer offers: a policy change never locks anyone out.
      hasSecondFactor: Boolean(factor),
      codeValidity: chosen && organisation.codeValidityChoices.includes(chosen) ? chosen : organisation.codeValidityDefault,
      inactivityTimeout: organisation.inactivityTimeout,
    };
  };
}
