/**
 * GET /reset-password/<token>: the step that is due for the link — the code (app or SMS, or `?use=recovery` for a
 * recovery code) when two-step login is on and the code was not given yet, otherwise the new password — and
 * GET /reset-password/done, the page after the change.
 */
import type { Context } from 'koa';
import { RESET_PATH } from '../../src/accounts/password-reset.ts';
import { PASSWORD_MIN_LENGTH } from '../../src/auth/password.ts';
import { shownRefusal, warmUpPasswordCheck } from '../password-refusal.ts';
import type { createResetCodeStep } from './code.ts';
import { linkLocale, showInvalid, tokenOf, type ResetDeps } from './deps.ts';

export function showReset(deps: ResetDeps, codeStep: ReturnType<typeof createResetCodeStep>) {
  return async (ctx: Context): Promise<void> => {
    const token = tokenOf(ctx);
    const link = await deps.passwordResets.open(token);
    if (!link) return showInvalid(deps, ctx);
    const locale = linkLocale(ctx, link);
    const action = `${RESET_PATH}/${encodeURIComponent(token)}`;
    if (link.codeNeeded && !link.codeVerified) return codeStep.show(ctx, { token, link });
    warmUpPasswordCheck();
    const flash = await deps.passwordResets.takeFlash(link.id);
    deps.views.render(ctx, 'reset-password/password', locale, {
      action,
      email: link.email,
      ...shownRefusal(flash?.errors ?? [], locale),
      passwordMin: PASSWORD_MIN_LENGTH,
    });
  };
}

export function showDone(deps: ResetDeps) {
  return (ctx: Context): void => {
    deps.views.render(ctx, 'reset-password/done', linkLocale(ctx));
  };
}
