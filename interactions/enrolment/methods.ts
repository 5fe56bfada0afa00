/** Which second factors a person may set up, and the names an authenticator app shows for the account. */
import type { SecondFactorMethod } from '../../src/db/models/organisation.ts';
import type { InteractionDeps } from '../deps.ts';

type Deps = Pick<InteractionDeps, 'accounts' | 'organisations' | 'smsAvailable'>;

export async function offeredMethods(deps: Deps, accountId: string): Promise<SecondFactorMethod[]> {
  const account = await deps.accounts.get(accountId);
  const organisation = account ? await deps.organisations.get(account.organisationId) : undefined;
  // The app first: the seed recommends it as the safest choice.
  return (['totp', 'sms'] as const).filter((m) => organisation?.allowedMethods.includes(m) && (m !== 'sms' || deps.smsAvailable));
}

/** The otpauth issuer (organisation/platform name) and label (the e-mail address). */
export async function enrolmentLabels(deps: Deps, accountId: string): Promise<{ issuer: string; label: string }> {
  const account = await deps.accounts.get(accountId);
  const organisation = account ? await deps.organisations.get(account.organisationId) : undefined;
  return { issuer: organisation?.name ?? 'Poort', label: account?.email ?? accountId };
}
