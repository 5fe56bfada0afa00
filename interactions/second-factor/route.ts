/**
 * The second step of a login: the code from the authenticator app or the SMS, or one of the recovery codes.
 * Reached after the password (pending state kept server-side, keyed by the interaction uid) or directly when the
 * session only needs its code again (inactivity, code validity, step-up).
 */
import type { Context } from 'koa';
import { z } from 'zod';
import type { Pending } from '../../src/auth/interaction-state.ts';
import { readForm } from '../../src/http/body.ts';
import { verifyCsrf } from '../../src/http/csrf.ts';
import { HttpError } from '../../src/http/problem.ts';
import type { Locale } from '../../src/i18n/index.ts';
import { expectPrompt, loadInteraction, type InteractionDetails } from '../details.ts';
import type { InteractionDeps } from '../deps.ts';
import { showEnrolment } from '../enrolment/route.ts';
import { finishLogin } from './finish.ts';

const codeForm = z.object({ kind: z.enum(['code', 'recovery']).default('code'), code: z.string().max(64).default('') });
export const smsPurpose = (uid: string): string => `login:${uid}`;

function back(ctx: Context, uid: string, recovery: boolean): void {
  ctx.status = 303;
  ctx.redirect(`/interaction/${uid}${recovery ? '?use=recovery' : ''}`);
}

export async function requirePending(deps: InteractionDeps, uid: string): Promise<Pending> {
  const pending = await deps.states.pending(uid);
  if (!pending) throw new HttpError(400, 'no_pending_login', 'error.sessionExpired');
  return pending;
}

/** The page for a pending second step: the code (or recovery code) form, or the set-up of a first factor. */
export async function showSecondStep(deps: InteractionDeps, ctx: Context, details: InteractionDetails, pending: Pending, locale: Locale): Promise<void> {
  const uid = details.uid;
  const status = await deps.secondFactors.status(pending.accountId);
  if (!status.method || pending.enrolmentId || pending.recoveryCodes) {
    await showEnrolment(deps, ctx, details, pending, locale);
    return;
  }
  const recovery = ctx.query.use === 'recovery';
  let info: string | undefined;
  if (status.method === 'sms' && !pending.smsSent && !recovery) {
    const sent = await deps.secondFactors.challenge(pending.accountId, smsPurpose(uid));
    await deps.states.updatePending(uid, { smsSent: true });
    if (sent === 'throttled') info = 'code.resendThrottled';
    if (sent === 'failed') info = 'code.sendFailed';
  }
  const flash = await deps.states.takeFlash(uid);
  deps.views.render(ctx, recovery ? 'second-factor/recovery' : 'second-factor/code', locale, {
    uid,
    method: status.method,
    phone: status.phoneMasked,
    error: flash?.error,
    info: flash?.info ?? info,
  });
}

export function submitCode(deps: InteractionDeps) {
  return async (ctx: Context): Promise<void> => {
    const details = await loadInteraction(deps.provider, ctx);
    expectPrompt(details, 'login');
    const form = await readForm(ctx);
    verifyCsrf(ctx, form);
    const pending = await requirePending(deps, details.uid);
    const parsed = codeForm.safeParse(form);
    const kind = parsed.success ? parsed.data.kind : 'code';
    if (!parsed.success) {
      await deps.states.setFlash(details.uid, { error: 'code.invalid' });
      back(ctx, details.uid, kind === 'recovery');
      return;
    }
    const result = await deps.secondFactors.verify(pending.accountId, kind, parsed.data.code, ctx.ip, smsPurpose(details.uid));
    if (!result.ok) {
      await deps.audit.record({ type: `login.second_factor_${result.reason === 'invalid' ? 'failed' : result.reason}`, targetId: pending.accountId, ip: ctx.ip });
      // A locked factor answers exactly like a wrong code: it tells an attacker nothing.
      await deps.states.setFlash(details.uid, { error: result.reason === 'throttled' ? 'code.throttled' : 'code.invalid' });
      back(ctx, details.uid, kind === 'recovery');
      return;
    }
    await deps.audit.record({ type: 'login.second_factor', actorId: pending.accountId, targetId: pending.accountId, ip: ctx.ip, data: { method: result.amr } });
    if (result.recoveryRemaining !== undefined) {
      await deps.notices.send(pending.accountId, 'recoveryCodeUsed', { remaining: result.recoveryRemaining });
    }
    await finishLogin(deps, ctx, details.uid, pending, result.amr);
  };
}

export function resendCode(deps: InteractionDeps) {
  return async (ctx: Context): Promise<void> => {
    const details = await loadInteraction(deps.provider, ctx);
    expectPrompt(details, 'login');
    verifyCsrf(ctx, await readForm(ctx));
    const pending = await requirePending(deps, details.uid);
    const sent = await deps.secondFactors.challenge(pending.accountId, smsPurpose(details.uid));
    const message = { throttled: { error: 'code.resendThrottled' }, failed: { error: 'code.sendFailed' }, sent: { info: 'code.resent' }, none: {} }[sent];
    await deps.states.setFlash(details.uid, message);
    back(ctx, details.uid, false);
  };
}
