/**
 * Setting up a first second factor during a login (organisation requires 2FA, or the platform asked for the
 * multi-factor level): choose app or SMS → scan the QR code or give a phone number → the first code proves the
 * set-up → the recovery codes, shown once → on to the platform. It cannot be skipped, only cancelled.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import { normalisePhone } from '../../src/auth/phone.ts';
import type { Pending } from '../../src/auth/interaction-state.ts';
import { readForm } from '../../src/http/body.ts';
import { verifyCsrf } from '../../src/http/csrf.ts';
import { translator, type Locale } from '../../src/i18n/index.ts';
import { expectPrompt, loadInteraction, redirectBack, type InteractionDetails } from '../details.ts';
import type { InteractionDeps } from '../deps.ts';
import { finishLogin } from '../second-factor/finish.ts';
import { requirePending } from '../second-factor/route.ts';
import { enrolmentLabels, offeredMethods } from './methods.ts';
import { qrDataUrl } from './qr.ts';

const startForm = z.object({ method: z.enum(['totp', 'sms']), phone: z.string().max(40).optional() });
const verifyForm = z.object({ code: z.string().max(64) });
const codesContext = (uid: string): string => `recovery-codes:${uid}`;

export async function showEnrolment(deps: InteractionDeps, ctx: Context, details: InteractionDetails, pending: Pending, locale: Locale): Promise<void> {
  const uid = details.uid;
  const flash = await deps.states.takeFlash(uid);
  const common = { uid, error: flash?.error, info: flash?.info, action: `/interaction/${uid}/enrol` };
  if (pending.recoveryCodes) {
    const codes = JSON.parse(deps.box.open(pending.recoveryCodes, codesContext(uid)).toString('utf8')) as string[];
    deps.views.render(ctx, 'enrolment/recovery-codes', locale, { ...common, codes });
    return;
  }
  const labels = await enrolmentLabels(deps, pending.accountId);
  const view = pending.enrolmentId ? await deps.secondFactors.enrolmentView(pending.accountId, pending.enrolmentId, labels) : undefined;
  if (view?.method === 'totp' && view.uri) {
    deps.views.render(ctx, 'enrolment/totp', locale, { ...common, secret: view.secret, qr: await qrDataUrl(view.uri) });
    return;
  }
  if (view?.method === 'sms') {
    deps.views.render(ctx, 'enrolment/sms', locale, { ...common, phone: view.phoneMasked });
    return;
  }
  deps.views.render(ctx, 'enrolment/choose', locale, { ...common, methods: await offeredMethods(deps, pending.accountId) });
}

/** Loads the interaction and its pending login for an enrolment POST (CSRF checked). */
async function begin(deps: InteractionDeps, ctx: Context) {
  const details = await loadInteraction(deps.provider, ctx);
  expectPrompt(details, 'login');
  const form = await readForm(ctx);
  verifyCsrf(ctx, form);
  return { details, form, pending: await requirePending(deps, details.uid) };
}

export function startEnrolment(deps: InteractionDeps) {
  return async (ctx: Context): Promise<void> => {
    const { details, form, pending } = await begin(deps, ctx);
    const parsed = startForm.safeParse(form);
    const methods = await offeredMethods(deps, pending.accountId);
    if (!parsed.success || !methods.includes(parsed.data.method)) {
      await deps.states.setFlash(details.uid, { error: 'enrol.chooseMethod' });
      return redirectBack(ctx, details.uid);
    }
    const phone = parsed.data.method === 'sms' ? normalisePhone(parsed.data.phone ?? '') : undefined;
    if (phone === null) {
      await deps.states.setFlash(details.uid, { error: 'enrol.phoneInvalid' });
      return redirectBack(ctx, details.uid);
    }
    const started = await deps.secondFactors.startEnrolment(pending.accountId, parsed.data.method, { phone, ...(await enrolmentLabels(deps, pending.accountId)) });
    if (started === 'throttled' || started === 'failed') {
      await deps.states.setFlash(details.uid, { error: started === 'throttled' ? 'code.resendThrottled' : 'code.sendFailed' });
    }
    else await deps.states.updatePending(details.uid, { enrolmentId: started.enrolmentId });
    redirectBack(ctx, details.uid);
  };
}

export function verifyEnrolment(deps: InteractionDeps) {
  return async (ctx: Context): Promise<void> => {
    const { details, form, pending } = await begin(deps, ctx);
    const parsed = verifyForm.safeParse(form);
    const account = await deps.accounts.get(pending.accountId);
    const organisationId = account?.organisationId ?? '';
    const result = parsed.success && pending.enrolmentId
      ? await deps.secondFactors.completeEnrolment(pending.accountId, organisationId, pending.enrolmentId, parsed.data.code, ctx.ip)
      : { ok: false as const, reason: 'invalid' as const };
    if (!result.ok) {
      await deps.states.setFlash(details.uid, { error: result.reason === 'throttled' ? 'code.throttled' : 'code.invalid' });
      return redirectBack(ctx, details.uid);
    }
    const amr = result.method === 'totp' ? 'otp' : 'sms';
    await deps.audit.record({ type: 'two_factor.enabled', organisationId, actorId: pending.accountId, targetId: pending.accountId, ip: ctx.ip, data: { method: result.method } });
    // The notice names the method in the person's language, not by its internal name.
    await deps.notices.send(pending.accountId, 'twoFactorEnabled', { method: translator(account?.locale ?? 'en')(`method.${result.method}`) });
    if (result.recoveryCodes.length === 0) return finishLogin(deps, ctx, details.uid, pending, amr);
    const sealed = deps.box.seal(Buffer.from(JSON.stringify(result.recoveryCodes)), codesContext(details.uid));
    await deps.states.updatePending(details.uid, { enrolmentId: undefined, recoveryCodes: sealed, verified: amr });
    redirectBack(ctx, details.uid);
  };
}

/** "I have stored my recovery codes": the login continues with the factor that was just set up. */
export function finishEnrolment(deps: InteractionDeps) {
  return async (ctx: Context): Promise<void> => {
    const { details, pending } = await begin(deps, ctx);
    if (!pending.recoveryCodes || !pending.verified) return redirectBack(ctx, details.uid);
    await finishLogin(deps, ctx, details.uid, pending, pending.verified);
  };
}

/** Back to the choice of method (e.g. the SMS did not arrive, or the app is not at hand). */
export function restartEnrolment(deps: InteractionDeps) {
  return async (ctx: Context): Promise<void> => {
    const { details } = await begin(deps, ctx);
    await deps.states.updatePending(details.uid, { enrolmentId: undefined });
    redirectBack(ctx, details.uid);
  };
}
