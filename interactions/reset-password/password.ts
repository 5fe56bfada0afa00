/**
 * POST /reset-password/<token>: the new password, twice. The rules of src/auth/password.ts apply; with two-step login
 * on, the code must have been given for this link first (a form posted without it is refused, the password stays).
 */
import type { Context } from 'koa';
import { z } from 'zod';
import { readForm } from '../../src/http/body.ts';
import { verifyCsrf } from '../../src/http/csrf.ts';
import { RESET_PATH } from '../../src/accounts/password-reset.ts';
import { refusalMessages } from '../password-refusal.ts';
import { back, tokenOf, type ResetDeps } from './deps.ts';

const passwordForm = z.object({ password: z.string().min(1).max(4096), confirm: z.string().max(4096).default('') });

export function submitPassword(deps: ResetDeps) {
  return async (ctx: Context): Promise<void> => {
    const form = await readForm(ctx);
    verifyCsrf(ctx, form);
    const token = tokenOf(ctx);
    const link = await deps.passwordResets.open(token);
    if (!link) return back(ctx, token);
    if (link.codeNeeded && !link.codeVerified) {
      await deps.passwordResets.setFlash(link.id, { errors: ['account.codeFirst'] });
      return back(ctx, token);
    }
    const parsed = passwordForm.safeParse(form);
    if (!parsed.success) {
      await deps.passwordResets.setFlash(link.id, { errors: ['reset.invalidForm'] });
      return back(ctx, token);
    }
    const { password, confirm } = parsed.data;
    const problems = refusalMessages(await deps.passwordResets.check(link, password));
    if (password !== confirm) problems.push('account.password.mismatch');
    if (problems.length > 0) {
      await deps.passwordResets.setFlash(link.id, { errors: problems });
      return back(ctx, token);
    }
    const result = await deps.passwordResets.complete(token, password, ctx.ip);
    if (!result.ok) {
      if (result.reason === 'rejected') await deps.passwordResets.setFlash(link.id, { errors: refusalMessages(result) });
      if (result.reason === 'code_required') await deps.passwordResets.setFlash(link.id, { errors: ['account.codeFirst'] });
      return back(ctx, token);
    }
    ctx.status = 303;
    ctx.redirect(`${RESET_PATH}/done`);
  };
}
