/** Loads the current interaction for a request; an expired or foreign interaction becomes a friendly 400 page. */
import type { Context } from 'koa';
import { errors, type default as Provider } from 'oidc-provider';
import { HttpError } from '../src/http/problem.ts';

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

export async function loadInteraction(provider: Provider, ctx: Context): Promise<InteractionDetails> {
  try {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== ctx.params.uid) throw new errors.SessionNotFound('interaction mismatch');
    return details;
  } catch (error) {
    if (error instanceof errors.SessionNotFound || error instanceof errors.InvalidRequest) {
      throw new HttpError(400, 'interaction_expired', 'error.sessionExpired');
    }
    throw error;
  }
}

export function expectPrompt(details: InteractionDetails, name: string): void {
  if (details.prompt.name !== name) throw new HttpError(400, 'wrong_step', 'error.sessionExpired');
}

/**
 * Finishes an interaction step: 303 back to oidc-provider, which continues the authorization request. `keep`: the
 * result adds to the one the interaction follows (a consent after a login keeps the login's result, so the
 * authorization records the login's times); otherwise it replaces whatever the interaction held (its pending state).
 */
export async function finish(provider: Provider, ctx: Context, result: Parameters<Provider['interactionResult']>[2], keep = false): Promise<void> {
  const to = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: keep });
  ctx.status = 303;
  ctx.redirect(to);
}

export function redirectBack(ctx: Context, uid: string): void {
  ctx.status = 303;
  ctx.redirect(`/interaction/${uid}`);
}
