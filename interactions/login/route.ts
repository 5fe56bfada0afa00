/** The login page: e-mail + password. GET shows it (via the interaction router), POST checks the password. */
import type { Context } from 'koa';
import { z } from 'zod';
import { AMR } from '../../config/oidc.ts';
import { readForm } from '../../src/http/body.ts';
import { verifyCsrf } from '../../src/http/csrf.ts';
import type { Locale } from '../../src/i18n/index.ts';
import { secondFactorDue } from '../../src/auth/due.ts';
import type { Pending } from '../../src/auth/interaction-state.ts';
import { expectPrompt, loadInteraction, redirectBack, type InteractionDetails } from '../details.ts';
import type { InteractionDeps } from '../deps.ts';
import { finishLogin } from '../second-factor/finish.ts';

export type LoginDeps = InteractionDeps;

const loginForm = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(4096),
});

export async function showLogin(deps: LoginDeps, ctx: Context, details: InteractionDetails, locale: Locale, clientName: string): Promise<void> {
  const flash = await deps.states.takeFlash(details.uid);
  const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint.slice(0, 320) : undefined;
  deps.views.render(ctx, 'login/page', locale, {
    uid: details.uid,
    clientName,
    email: flash?.email ?? hint ?? '',
    error: flash?.error,
  });
}

export function submitLogin(deps: LoginDeps) {
  return async (ctx: Context): Promise<void> => {
    const details = await loadInteraction(deps.provider, ctx);
    expectPrompt(details, 'login');
    const form = await readForm(ctx);
    verifyCsrf(ctx, form);
    const parsed = loginForm.safeParse(form);
    if (!parsed.success) {
      await deps.states.setFlash(details.uid, { error: 'login.invalid', email: form.email?.slice(0, 320) ?? '' });
      redirectBack(ctx, details.uid);
      return;
    }
    const client = await deps.provider.Client.find(String(details.params.client_id));
    const organisationId = client?.metadata().organisation_id;
    if (typeof organisationId !== 'string') throw new Error('client without organisation');
    const result = await deps.passwordLogin.attempt({ organisationId, email: parsed.data.email, password: parsed.data.password, ip: ctx.ip });
    if (result.outcome !== 'ok') {
      await deps.states.setFlash(details.uid, {
        error: result.outcome === 'throttled' ? 'login.throttled' : 'login.failed',
        email: parsed.data.email,
      });
      redirectBack(ctx, details.uid);
      return;
    }
    const context = await deps.loginContext(result.account._id);
    const pending: Pending = { accountId: result.account._id, amr: [AMR.password], passwordAt: deps.now(), context, locale: result.account.locale };
    // What the password-only login would still be asked. When nothing can meet the request (`unavailable`) the login
    // result goes on and the prompt refuses it with unmet_authentication_requirements.
    const due = context && secondFactorDue({ account: context, policy: context, asked: { action: 'login', request: details.params }, now: pending.passwordAt });
    if (due?.outcome === 'code' || due?.outcome === 'enrolment') {
      // The password is right but the login is not done: the code (or the set-up of a factor) comes next. The factor
      // was read for the rule just now (this request's read cache answers): its page needs no read of its own.
      await deps.states.setPending(details.uid, { ...pending, factor: await deps.secondFactors.status(pending.accountId) });
      redirectBack(ctx, details.uid);
      return;
    }
    await finishLogin(deps, ctx, pending);
  };
}
