/**
 * The code asked before a new password is accepted (DESIGN §5: forgot password → code if two-step login is on):
 * the app's or the SMS code, or a recovery code, checked by the second-factor service (throttled, locked after
 * repeated failures) and recorded on the link. "Send a new code" for SMS accounts.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import { readForm } from '../../src/http/body.ts';
import { verifyCsrf } from '../../src/http/csrf.ts';
import { back, smsPurpose, tokenOf, type ResetDeps } from './deps.ts';

const codeForm = z.object({ kind: z.enum(['code', 'recovery']).default('code'), code: z.string().trim().max(64).default('') });

export function submitCode(deps: ResetDeps) {
  return async (ctx: Context): Promise<void> => {
    const form = await readForm(ctx);
    verifyCsrf(ctx, form);
    const token = tokenOf(ctx);
    const link = await deps.passwordResets.open(token);
    if (!link || !link.codeNeeded || link.codeVerified) return back(ctx, token);
    const parsed = codeForm.safeParse(form);
    const kind = parsed.success ? parsed.data.kind : 'code';
    const retry = kind === 'recovery' ? '?use=recovery' : '';
    const result = parsed.success && parsed.data.code
      ? await deps.secondFactors.verify(link.accountId, kind, parsed.data.code, ctx.ip, smsPurpose(link))
      : { ok: false as const, reason: 'invalid' as const };
    const event = { organisationId: link.organisationId, actorId: link.accountId, targetId: link.accountId, ip: ctx.ip };
    if (!result.ok) {
      await deps.audit.record({ type: `password_reset.second_factor_${result.reason === 'invalid' ? 'failed' : result.reason}`, ...event });
      // A locked factor answers like a wrong code.
      await deps.passwordResets.setFlash(link.id, { errors: [result.reason === 'throttled' ? 'code.throttled' : 'code.invalid'] });
      return back(ctx, token, retry);
    }
    await deps.passwordResets.codeVerified(link.id);
    await deps.audit.record({ type: 'password_reset.second_factor', ...event, data: { method: result.amr } });
    if (result.recoveryRemaining !== undefined) await deps.notices.send(link.accountId, 'recoveryCodeUsed', { remaining: result.recoveryRemaining });
    back(ctx, token);
  };
}

export function resendCode(deps: ResetDeps) {
  return async (ctx: Context): Promise<void> => {
    verifyCsrf(ctx, await readForm(ctx));
    const token = tokenOf(ctx);
    const link = await deps.passwordResets.open(token);
    if (!link || !link.codeNeeded || link.codeVerified) return back(ctx, token);
    const sent = await deps.secondFactors.challenge(link.accountId, smsPurpose(link));
    const message = { throttled: { errors: ['code.resendThrottled'] }, failed: { errors: ['code.sendFailed'] }, sent: { info: 'code.resent' }, none: {} }[sent];
    await deps.passwordResets.setFlash(link.id, message);
    back(ctx, token);
  };
}
