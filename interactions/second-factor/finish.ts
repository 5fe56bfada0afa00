/** Ends a login: the result carries the methods used (amr), the level they reach (acr) and when each was checked. */
import type { Context } from 'koa';
import { AMR } from '../../config/oidc.ts';
import { acrFor, amrFor } from '../../src/auth/assurance.ts';
import type { Pending } from '../../src/auth/interaction-state.ts';
import type { LoginTimes } from '../../src/oidc/activity.ts';
import { finish } from '../details.ts';
import type { InteractionDeps } from '../deps.ts';

const epoch = (date: Date): number => Math.floor(date.getTime() / 1000);

export async function finishLogin(deps: InteractionDeps, ctx: Context, uid: string, pending: Pending, secondFactorAmr?: string): Promise<void> {
  const amr = amrFor(secondFactorAmr ? [AMR.password, secondFactorAmr] : [AMR.password]);
  const times: LoginTimes = {};
  if (pending.amr.includes(AMR.password)) times.passwordAt = epoch(pending.passwordAt);
  if (secondFactorAmr) times.secondFactorAt = epoch(deps.now());
  // Only a second step is kept pending server-side; a login that ends at the password stored nothing to clear.
  if (secondFactorAmr) await deps.states.clearPending(uid);
  await finish(deps.provider, ctx, {
    login: { accountId: pending.accountId, acr: acrFor(amr), amr, remember: true },
    poort: times,
  });
}
