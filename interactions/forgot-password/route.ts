/**
 * "Forgot your password?" inside a login interaction, so the organisation is the one of the client the person came
 * from. The answer is the same page whether or not an account exists for the address, and it is given before the
 * address is even looked up: the lookup, the link and the mail happen afterwards (src/accounts/password-reset.ts).
 */
import type { Context } from 'koa';
import { z } from 'zod';
import { emailSchema } from '../../src/accounts/email.ts';
import { readForm } from '../../src/http/body.ts';
import { verifyCsrf } from '../../src/http/csrf.ts';
import { localeFor } from '../../src/http/locale.ts';
import { HttpError } from '../../src/http/problem.ts';
import { loadInteraction, type InteractionDetails } from '../details.ts';
import type { InteractionDeps } from '../deps.ts';

const forgotForm = z.object({ email: emailSchema });

const pageLocale = (ctx: Context, details: InteractionDetails) => localeFor(ctx, { uiLocales: details.params.ui_locales });

function to(ctx: Context, path: string): void {
  ctx.status = 303;
  ctx.redirect(path);
}

/** GET /interaction/:uid/forgot: the e-mail field. */
export function showForgot(deps: InteractionDeps) {
  return async (ctx: Context): Promise<void> => {
    const details = await loadInteraction(deps.provider, ctx);
    const flash = await deps.states.takeFlash(details.uid);
    deps.views.render(ctx, 'forgot-password/request', pageLocale(ctx, details), {
      uid: details.uid,
      email: flash?.email ?? '',
      error: flash?.error,
    });
  };
}

/** POST /interaction/:uid/forgot: answers at once with the same page; the mail (if any) follows. */
export function submitForgot(deps: InteractionDeps) {
  return async (ctx: Context): Promise<void> => {
    const details = await loadInteraction(deps.provider, ctx);
    const form = await readForm(ctx);
    verifyCsrf(ctx, form);
    const parsed = forgotForm.safeParse(form);
    if (!parsed.success) {
      await deps.states.setFlash(details.uid, { error: 'forgot.invalid', email: form.email?.slice(0, 320) ?? '' });
      return to(ctx, `/interaction/${details.uid}/forgot`);
    }
    const client = await deps.provider.Client.find(String(details.params.client_id));
    const organisationId = client?.metadata().organisation_id;
    if (typeof organisationId !== 'string') throw new HttpError(400, 'client_not_found', 'error.sessionExpired');
    // Not awaited: known and unknown addresses get the same answer in the same time.
    deps.passwordResets.request({ organisationId, email: parsed.data.email, ip: ctx.ip, locale: pageLocale(ctx, details) });
    to(ctx, `/interaction/${details.uid}/forgot/sent`);
  };
}

/** GET /interaction/:uid/forgot/sent: "if an account exists for this address, we sent a link". */
export function showForgotSent(deps: InteractionDeps) {
  return async (ctx: Context): Promise<void> => {
    const details = await loadInteraction(deps.provider, ctx);
    deps.views.render(ctx, 'forgot-password/sent', pageLocale(ctx, details), { uid: details.uid });
  };
}
