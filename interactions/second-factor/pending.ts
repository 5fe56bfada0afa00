/**
 * The login waiting for its second step: the password was right and the code, or the set-up of a first factor, is
 * due. Both of those steps (./route.ts, ../enrolment/route.ts) start from here.
 */
import type { Context } from 'koa';
import type { Pending } from '../../src/auth/interaction-state.ts';
import { HttpError } from '../../src/http/problem.ts';
import type { Locale } from '../../src/i18n/index.ts';
import { expectPrompt, loadInteraction } from '../details.ts';
import type { InteractionDeps } from '../deps.ts';

export async function requirePending(deps: InteractionDeps, uid: string): Promise<Pending> {
  const pending = await deps.states.pending(uid);
  if (!pending) throw new HttpError(400, 'no_pending_login', 'error.sessionExpired');
  return pending;
}

/** A login waiting for its second step, as the code step and the set-up hold it. */
export interface PendingLogin {
  uid: string;
  pending: Pending;
  /** Known when a page is shown (the router works it out with the account's language). */
  locale?: Locale;
}

/** What the code step and the set-up share about the login's place: the state, and where its page is. */
export function pendingLoginPlace(deps: InteractionDeps) {
  return {
    async open(ctx: Context): Promise<PendingLogin> {
      const details = await loadInteraction(deps.provider, ctx);
      expectPrompt(details, 'login');
      return { uid: details.uid, pending: await requirePending(deps, details.uid) };
    },
    fallback: (ctx: Context): string => `/interaction/${String(ctx.params.uid)}`,
    accountId: (state: PendingLogin): string => state.pending.accountId,
    page: (state: PendingLogin): string => `/interaction/${state.uid}`,
    takeMessage: (state: PendingLogin) => deps.states.takeFlash(state.uid),
    setMessage: (state: PendingLogin, message: { error?: string; info?: string }) => deps.states.setFlash(state.uid, message),
  };
}
