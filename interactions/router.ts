/**
 * All browser interaction routes, under /interaction/:uid (the interaction cookie is path-scoped there).
 * GET shows the page for the current prompt; each step posts to its own route and answers 303.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { csrfToken } from '../src/http/csrf.ts';
import { localeFor } from '../src/http/locale.ts';
import { HttpError } from '../src/http/problem.ts';
import { isFirstParty } from '../src/oidc/grants.ts';
import { submitAbort } from './abort/route.ts';
import { showConsent, submitConsent } from './consent/route.ts';
import { loadInteraction } from './details.ts';
import { showLogin, submitLogin, type LoginDeps } from './login/route.ts';

export type InteractionDeps = LoginDeps;

export function createInteractionsRouter(deps: InteractionDeps): Router {
  const { provider, views } = deps;
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(noStore, csrfToken);

  router.get('/', async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    const client = await provider.Client.find(String(details.params.client_id));
    if (!client) throw new HttpError(400, 'client_not_found', 'error.sessionExpired');
    const locale = localeFor(ctx, { uiLocales: details.params.ui_locales });
    const clientName = client.clientName ?? client.clientId;
    switch (details.prompt.name) {
      case 'login':
        return showLogin(deps, ctx, details, locale, clientName);
      case 'consent':
        return showConsent(provider, views, ctx, details, locale, clientName, isFirstParty(client));
      default:
        throw new HttpError(400, 'unknown_prompt', 'error.sessionExpired');
    }
  });
  router.post('/login', submitLogin(deps));
  router.post('/confirm', submitConsent(provider));
  router.post('/abort', submitAbort(provider));
  return router;
}

async function noStore(ctx: Context, next: () => Promise<void>): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  await next();
}

export type { Provider };
