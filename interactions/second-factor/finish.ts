/**
 * Ends a login: the result carries the methods used (amr), the level they reach (acr), when each was checked, and
 * what the login policy knew of the account when the login began (the authorization that follows judges by it).
 */
import type { Context } from 'koa';
import { AMR } from '../../config/oidc.ts';
import { acrFor, amrFor } from '../../src/auth/assurance.ts';
import type { Pending } from '../../src/auth/interaction-state.ts';
import type { LoginResultFacts } from '../../src/oidc/activity.ts';
import { isFirstParty } from '../../src/oidc/grants.ts';
import { finish, loadInteraction } from '../details.ts';
import type { InteractionDeps } from '../deps.ts';

const epoch = (date: Date): number => Math.floor(date.getTime() / 1000);

export async function finishLogin(deps: InteractionDeps, ctx: Context, pending: Pending, secondFactorAmr?: string): Promise<void> {
  const amr = amrFor(secondFactorAmr ? [AMR.password, secondFactorAmr] : [AMR.password]);
  const facts: LoginResultFacts = {};
  // The password's time: checked in this login, or (a code alone) the session's standing one, which the record keeps.
  facts.passwordAt = epoch(pending.passwordAt);
  if (secondFactorAmr) facts.secondFactorAt = epoch(deps.now());
  const context = pending.context ?? await deps.loginContext(pending.accountId);
  // A second factor was just proven, so the account has one (also when it was set up during this login).
  if (context) facts.context = secondFactorAmr ? { ...context, hasSecondFactor: true } : context;
  // A first-party client is never shown a consent page (its grant is made in loadExistingGrant, src/oidc/grants.ts):
  // the login result settles the consent prompt too, so the browser does not go through one more interaction for it.
  // (The interaction was read earlier in this request: the read cache answers this.)
  const details = await loadInteraction(deps.provider, ctx);
  const firstParty = isFirstParty(await deps.provider.Client.find(String(details.params.client_id)));
  // The whole result is replaced: the interaction's pending state (src/oidc/interaction-state.ts) ends with it.
  // The login's time is Poort's clock (the one every timer is judged by), not oidc-provider's own: a session's
  // timers default to it (src/auth/session-activity.ts).
  await finish(deps.provider, ctx, {
    login: { accountId: pending.accountId, acr: acrFor(amr), amr, remember: true, ts: epoch(deps.now()) },
    ...(firstParty ? { consent: {} } : {}),
    poort: facts,
  });
}
