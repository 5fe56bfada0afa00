/**
 * All browser interaction routes, under /interaction/:uid (the interaction cookie is path-scoped there).
 * GET shows the page for the current prompt; each step posts to its own route and answers 303.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { csrfToken } from '../src/http/csrf.ts';
import { noStore } from '../src/http/no-store.ts';
import { localeFor } from '../src/http/locale.ts';
import { HttpError } from '../src/http/problem.ts';
import { isFirstParty } from '../src/oidc/grants.ts';
import { submitAbort } from './abort/route.ts';
import { showConsent, submitConsent } from './consent/route.ts';
import type { InteractionDeps } from './deps.ts';
import { loadInteraction, type InteractionDetails } from './details.ts';
import { createLoginEnrolment } from './enrolment/route.ts';
import { showForgot, showForgotSent, submitForgot } from './forgot-password/route.ts';
import { showLogin, submitLogin } from './login/route.ts';
import { createLoginCodeStep, showSecondStep } from './second-factor/route.ts';
import { CODE_ONLY_REASONS } from '../src/oidc/policy.ts';
import type { Pending } from '../src/auth/interaction-state.ts';

export type { InteractionDeps };

/**
 * The second step due in this interaction: after the password (kept server-side), or — when the session only needs
 * its code again (inactivity, code validity, step-up, a factor to set up) — for the session's account.
 */
async function secondStep(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<Pending | undefined> {
  const pending = await deps.states.pending(details.uid);
  if (pending) return pending;
  const accountId = details.session?.accountId;
  const reasons = details.prompt.reasons;
  if (!accountId || reasons.length === 0 || !reasons.every((reason) => CODE_ONLY_REASONS.has(reason))) return undefined;
  // The session's password stands: when it was checked, from Poort's timers or the session's own login time.
  const session = await deps.provider.Session.get(ctx);
  const times = session.accountId === accountId
    ? await deps.sessionActivities.current({ uid: session.uid, accountId, loginTs: session.loginTs, amr: session.amr })
    : {};
  const [context, account] = await Promise.all([deps.loginContext(accountId), deps.accounts.get(accountId)]);
  const codeOnly: Pending = { accountId, amr: [], passwordAt: times.passwordAt ?? deps.now(), context, locale: account?.locale };
  await deps.states.setPending(details.uid, codeOnly);
  return codeOnly;
}

export function createInteractionsRouter(deps: InteractionDeps): Router {
  const { provider, views } = deps;
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(noStore, csrfToken);

  router.get('/', async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    const client = await provider.Client.find(String(details.params.client_id));
    if (!client) throw new HttpError(400, 'client_not_found', 'error.sessionExpired');
    const clientName = client.clientName ?? client.clientId;
    switch (details.prompt.name) {
      case 'login': {
        const pending = await secondStep(deps, ctx, details);
        if (!pending) return showLogin(deps, ctx, details, localeFor(ctx, { uiLocales: details.params.ui_locales }), clientName);
        return showSecondStep(deps, ctx, details, pending, localeFor(ctx, { account: pending.locale, uiLocales: details.params.ui_locales }));
      }
      case 'consent':
        return showConsent(provider, views, ctx, details, localeFor(ctx, { uiLocales: details.params.ui_locales }), clientName, isFirstParty(client));
      default:
        throw new HttpError(400, 'unknown_prompt', 'error.sessionExpired');
    }
  });
  router.post('/login', submitLogin(deps));
  const codeStep = createLoginCodeStep(deps);
  router.post('/second-factor', codeStep.submit);
  router.post('/second-factor/resend', codeStep.resend);
  const enrolment = createLoginEnrolment(deps);
  router.post('/enrol/start', enrolment.start);
  router.post('/enrol/verify', enrolment.verify);
  router.post('/enrol/done', enrolment.done);
  router.post('/enrol/restart', enrolment.restart);
  router.get('/forgot', showForgot(deps));
  router.post('/forgot', submitForgot(deps));
  router.get('/forgot/sent', showForgotSent(deps));
  router.post('/confirm', submitConsent(provider));
  router.post('/abort', submitAbort(provider));
  return router;
}

export type { Provider };
