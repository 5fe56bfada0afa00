/**
 * GET /reset-password/<token>: the step that is due for the link — the code (app or SMS, or `?use=recovery` for a
 * recovery code) when two-step login is on and the code was not given yet, otherwise the new password — and
 * GET /reset-password/done, the page after the change.
 */
import type { Context } from 'koa';
import { RESET_PATH, type ResetLink } from '../../src/accounts/password-reset.ts';
import { PASSWORD_MIN_LENGTH } from '../../src/auth/password.ts';
import type { Locale } from '../../src/i18n/index.ts';
import { linkLocale, showInvalid, smsPurpose, tokenOf, type ResetDeps } from './deps.ts';

export function showReset(deps: ResetDeps) {
  return async (ctx: Context): Promise<void> => {
    const token = tokenOf(ctx);
    const link = await deps.passwordResets.open(token);
    if (!link) return showInvalid(deps, ctx);
    const locale = linkLocale(ctx, link);
    const action = `${RESET_PATH}/${encodeURIComponent(token)}`;
    if (link.codeNeeded && !link.codeVerified) return showCode(deps, ctx, link, locale, action);
    const flash = await deps.passwordResets.takeFlash(link.id);
    deps.views.render(ctx, 'reset-password/password', locale, {
      action,
      email: link.email,
      errors: flash?.errors ?? [],
      passwordMin: PASSWORD_MIN_LENGTH,
    });
  };
}

/** The code step. An SMS account gets its code when the page is first shown (again if the gateway failed). */
async function showCode(deps: ResetDeps, ctx: Context, link: ResetLink, locale: Locale, action: string): Promise<void> {
  const status = await deps.secondFactors.status(link.accountId);
  const recovery = ctx.query.use === 'recovery';
  let problem: string | undefined;
  if (status.method === 'sms' && !recovery && !link.codeSent && (await deps.passwordResets.claimCodeSend(link.id))) {
    const sent = await deps.secondFactors.challenge(link.accountId, smsPurpose(link));
    if (sent === 'failed') await deps.passwordResets.releaseCodeSend(link.id);
    if (sent === 'throttled') problem = 'code.resendThrottled';
    if (sent === 'failed') problem = 'code.sendFailed';
  }
  const flash = await deps.passwordResets.takeFlash(link.id);
  deps.views.render(ctx, 'reset-password/code', locale, {
    action,
    recovery,
    method: status.method,
    phone: status.phoneMasked,
    error: flash?.errors?.[0] ?? problem,
    info: flash?.info,
  });
}

export function showDone(deps: ResetDeps) {
  return (ctx: Context): void => {
    deps.views.render(ctx, 'reset-password/done', linkLocale(ctx));
  };
}
