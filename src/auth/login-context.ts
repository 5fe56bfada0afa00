/**
 * What the login policy needs to know about an account: its organisation's rules and its second factor — read
 * through the services, so within one request each document is read once (src/db/read-cache.ts).
 */
import type { Account } from '../db/models/account.ts';
import type { Organisation } from '../db/models/organisation.ts';
import type { SecondFactor } from '../db/models/second-factor.ts';
import type { LoginContext } from './due.ts';

// The account services' lookups (src/accounts) by their shape: the use cases build on auth, never the other way round.
export function createLoginContexts(deps: {
  accounts: { get(id: string): Promise<Account | undefined> };
  organisations: { get(id: string): Promise<Organisation | undefined> };
  factors: { get(accountId: string): Promise<SecondFactor | undefined> };
}) {
  return async (accountId: string): Promise<LoginContext | undefined> => {
    const [account, factor] = await Promise.all([deps.accounts.get(accountId), deps.factors.get(accountId)]);
    if (!account) return undefined;
    const organisation = await deps.organisations.get(account.organisationId);
    if (!organisation) return undefined;
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
