/** Which second factors a person may set up, and the names an authenticator app shows for the account. */
import type { AccountLabels, MethodFactor } from '../../src/auth/factors/index.ts';
import type { InteractionDeps } from '../deps.ts';

type Deps = Pick<InteractionDeps, 'accounts' | 'organisations' | 'secondFactors'>;

/** The methods the organisation allows and this server offers, in the registry's order of preference. */
export async function offeredMethods(deps: Deps, accountId: string): Promise<MethodFactor[]> {
  const account = await deps.accounts.get(accountId);
  const organisation = account ? await deps.organisations.get(account.organisationId) : undefined;
  return organisation ? deps.secondFactors.offered(organisation.allowedMethods) : [];
}

/** The otpauth issuer (organisation/platform name) and label (the e-mail address). */
export async function enrolmentLabels(deps: Deps, accountId: string): Promise<AccountLabels> {
  const account = await deps.accounts.get(accountId);
  const organisation = account ? await deps.organisations.get(account.organisationId) : undefined;
  return { issuer: organisation?.name ?? 'Poort', label: account?.email ?? accountId };
}
