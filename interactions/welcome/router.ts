/**
 * The welcome link's pages, `/welcome/<token>` (src/accounts/invitations.ts): the first password, twice, with the
 * rules shown before typing; then the person is logged in at Poort and sent on to the organisation's platform (its
 * `initiate_login_uri`, OpenID Connect Core §4: the platform starts an ordinary authorization request, which the new
 * session answers without a login page) or, without one, to the account page. A link that does not work gets one
 * page whatever the reason, offering a fresh link to the address on file. Every POST checks the CSRF token and
 * answers 303; every page is no-store.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import { ACR, AMR } from '../../config/oidc.ts';
import { WELCOME_PATH, type Invitations } from '../../src/accounts/invitations.ts';
import type { PasswordResets } from '../../src/accounts/password-reset.ts';
import { PASSWORD_MIN_LENGTH } from '../../src/auth/password.ts';
import { readForm } from '../../src/http/body.ts';
import { csrfToken, verifyCsrf } from '../../src/http/csrf.ts';
import { localeFor } from '../../src/http/locale.ts';
import { noStore } from '../../src/http/no-store.ts';
import type { Views } from '../../src/http/views.ts';
import { startBrowserSession } from '../../src/oidc/browser-session.ts';
import { refusalMessages, shownRefusal, warmUpPasswordCheck } from '../password-refusal.ts';

export interface WelcomeDeps {
  provider: Provider;
  views: Views;
  invitations: Invitations;
  /** The link's page messages (post/redirect/get) live with the link's pointer, as a reset link's do. */
  passwordResets: Pick<PasswordResets, 'setFlash' | 'takeFlash'>;
  /** The organisation's platform: its first-party client, and where that client starts a login. */
  platformOf(organisationId: string): Promise<{ clientId: string; name?: string | undefined; initiateLoginUri?: string | undefined } | undefined>;
  issuer: string;
  sessionMaxAge: number;
  now(): Date;
}

const passwordForm = z.object({ password: z.string().min(1).max(4096), confirm: z.string().max(4096).default('') });
const tokenOf = (ctx: Context): string => String((ctx.params as Record<string, string | undefined>).token ?? '');
const pageOf = (token: string): string => `${WELCOME_PATH}/${encodeURIComponent(token)}`;

function redirect(ctx: Context, to: string): void {
  ctx.status = 303;
  ctx.redirect(to);
}

export function createWelcomeRouter(deps: WelcomeDeps): Router {
  const router = new Router();
  // On each route (this router has no prefix of its own to hang them on).
  const page = [noStore, csrfToken] as const;

  router.get('/password-tips', ...page, (ctx) => deps.views.render(ctx, 'welcome/tips', localeFor(ctx)));
  router.get(`${WELCOME_PATH}/sent`, ...page, (ctx) => deps.views.render(ctx, 'welcome/sent', localeFor(ctx)));

  router.get(`${WELCOME_PATH}/:token`, ...page, async (ctx) => {
    const token = tokenOf(ctx);
    const link = await deps.invitations.open(token);
    if (!link) return deps.views.render(ctx, 'welcome/invalid', localeFor(ctx), { action: `${pageOf(token)}/fresh` }, 400);
    warmUpPasswordCheck();
    const flash = await deps.passwordResets.takeFlash(link.id);
    const locale = localeFor(ctx, { account: link.account.locale });
    deps.views.render(ctx, 'welcome/password', locale, {
      action: pageOf(token),
      email: link.account.email,
      organisation: link.organisationName,
      ...shownRefusal(flash?.errors ?? [], locale),
      passwordMin: PASSWORD_MIN_LENGTH,
    });
  });

  router.post(`${WELCOME_PATH}/:token`, ...page, async (ctx) => {
    const form = await readForm(ctx);
    verifyCsrf(ctx, form);
    const token = tokenOf(ctx);
    const link = await deps.invitations.open(token);
    if (!link) return redirect(ctx, pageOf(token));
    const parsed = passwordForm.safeParse(form);
    if (!parsed.success) {
      await deps.passwordResets.setFlash(link.id, { errors: ['welcome.invalidForm'] });
      return redirect(ctx, pageOf(token));
    }
    const { password, confirm } = parsed.data;
    // Every broken rule at once (the service checks the same rules again).
    const problems = refusalMessages(await deps.invitations.check(link, password));
    if (password !== confirm) problems.push('welcome.mismatch');
    if (problems.length > 0) {
      await deps.passwordResets.setFlash(link.id, { errors: problems });
      return redirect(ctx, pageOf(token));
    }
    const result = await deps.invitations.accept(token, password, ctx.ip);
    if (!result.ok) {
      if (result.reason === 'rejected') await deps.passwordResets.setFlash(link.id, { errors: refusalMessages(result) });
      return redirect(ctx, pageOf(token));
    }
    const { account } = result;
    await startBrowserSession(deps.provider, ctx, {
      accountId: account._id, amr: [AMR.password], acr: ACR.password, loginTs: Math.floor(deps.now().getTime() / 1000),
    }, deps.sessionMaxAge);
    const platform = await deps.platformOf(account.organisationId);
    if (!platform?.initiateLoginUri) return redirect(ctx, '/account/security');
    // Third-party-initiated login: the platform sends the browser back with an authorization request of its own.
    const start = new URL(platform.initiateLoginUri);
    start.searchParams.set('iss', deps.issuer);
    start.searchParams.set('login_hint', account.email);
    redirect(ctx, start.toString());
  });

  router.post(`${WELCOME_PATH}/:token/fresh`, ...page, async (ctx) => {
    verifyCsrf(ctx, await readForm(ctx));
    // Answers at once, the same for every link; the lookup and the mail happen afterwards.
    deps.invitations.requestFresh(tokenOf(ctx), ctx.ip);
    redirect(ctx, `${WELCOME_PATH}/sent`);
  });
  return router;
}
