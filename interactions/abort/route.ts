/** "Cancel" / "Deny": ends the interaction; the client receives access_denied. */
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { readForm } from '../../src/http/body.ts';
import { verifyCsrf } from '../../src/http/csrf.ts';
import { finish, loadInteraction } from '../details.ts';

export function submitAbort(provider: Provider) {
  return async (ctx: Context): Promise<void> => {
    await loadInteraction(provider, ctx);
    verifyCsrf(ctx, await readForm(ctx));
    await finish(provider, ctx, { error: 'access_denied', error_description: 'End-User aborted the interaction' });
  };
}
