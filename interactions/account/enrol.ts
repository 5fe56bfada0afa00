/**
 * Setting up two-step login from the account page (a first factor: `enable`), or a new method or phone number
 * (`change`): password → app or SMS (+ phone) → QR code and key, or an SMS → the first code proves it → recovery
 * codes, shown once (first set-up only; a change keeps the existing codes). The set-up in progress is kept
 * server-side for this session, never in the URL.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import { normalisePhone } from '../../src/auth/phone.ts';
import { enrolmentLabels, offeredMethods } from '../enrolment/methods.ts';
import { qrDataUrl } from '../enrolment/qr.ts';
import type { AccountDeps } from './deps.ts';
import { methodName } from './page.ts';
import { BASE, back, begin, flash, notAllowed, passwordOk, visit, type Person } from './person.ts';

const ENROL = `${BASE}/enrol`;
const startForm = z.object({ password: z.string().max(4096).optional(), method: z.enum(['totp', 'sms']), phone: z.string().max(40).optional() });
const verifyForm = z.object({ code: z.string().max(64) });

/** Set-up is offered when the organisation allows second factors at all. */
function allowed(person: Person): boolean {
  return person.context.twoFactor !== 'off';
}

export function showEnrolment(deps: AccountDeps) {
  return async (ctx: Context): Promise<void> => {
    const found = await visit(deps, ctx);
    if (found.state !== 'ok' || !allowed(found.person)) return back(ctx);
    const { person } = found;
    const accountId = person.account._id;
    await deps.sessionActivities.touch(person.uid);
    const message = await deps.flows.takeFlash(person.uid, accountId);
    const common = { error: message?.errors?.[0], info: message?.info, action: ENROL };
    const codes = await deps.flows.codes(person.uid, accountId, 'enrol');
    if (codes) return deps.views.render(ctx, 'enrolment/recovery-codes', person.locale, { ...common, codes });
    const flow = await deps.flows.get(person.uid, accountId);
    const labels = await enrolmentLabels(deps, accountId);
    const view = flow?.enrolment?.enrolmentId ? await deps.secondFactors.enrolmentView(accountId, flow.enrolment.enrolmentId, labels) : undefined;
    if (view?.method === 'totp' && view.uri) {
      return deps.views.render(ctx, 'enrolment/totp', person.locale, { ...common, secret: view.secret, qr: await qrDataUrl(view.uri) });
    }
    if (view?.method === 'sms') return deps.views.render(ctx, 'enrolment/sms', person.locale, { ...common, phone: view.phoneMasked });
    const change = (await deps.secondFactors.status(accountId)).method !== undefined;
    deps.views.render(ctx, 'enrolment/choose', person.locale, {
      ...common,
      methods: await offeredMethods(deps, accountId),
      passwordRequired: true,
      titleKey: change ? 'account.change.title' : 'enrol.title',
      introKey: change ? 'account.change.intro' : 'account.enable.intro',
      back: BASE,
    });
  };
}

export function startEnrolment(deps: AccountDeps) {
  return async (ctx: Context): Promise<void> => {
    const { form, person } = await begin(deps, ctx);
    if (!person) return;
    if (!allowed(person)) throw notAllowed();
    const accountId = person.account._id;
    const parsed = startForm.safeParse(form);
    const methods = await offeredMethods(deps, accountId);
    if (!parsed.success || !methods.includes(parsed.data.method)) {
      await flash(deps, person, { errors: ['enrol.chooseMethod'] });
      return back(ctx, '/enrol');
    }
    const phone = parsed.data.method === 'sms' ? normalisePhone(parsed.data.phone ?? '') : undefined;
    if (phone === null) {
      await flash(deps, person, { errors: ['enrol.phoneInvalid'] });
      return back(ctx, '/enrol');
    }
    if (!(await passwordOk(deps, ctx, person, parsed.data.password, 'enrol'))) return back(ctx, '/enrol');
    const purpose = (await deps.secondFactors.status(accountId)).method ? 'change' : 'enable';
    const started = await deps.secondFactors.startEnrolment(accountId, parsed.data.method, { phone, ...(await enrolmentLabels(deps, accountId)) });
    if (typeof started === 'string') await flash(deps, person, { errors: [started === 'throttled' ? 'code.resendThrottled' : 'code.sendFailed'] });
    else await deps.flows.update(person.uid, accountId, { enrolment: { purpose, enrolmentId: started.enrolmentId } });
    back(ctx, '/enrol');
  };
}

export function verifyEnrolment(deps: AccountDeps) {
  return async (ctx: Context): Promise<void> => {
    const { form, person } = await begin(deps, ctx);
    if (!person) return;
    if (!allowed(person)) throw notAllowed();
    const accountId = person.account._id;
    const enrolment = (await deps.flows.get(person.uid, accountId))?.enrolment;
    const parsed = verifyForm.safeParse(form);
    const result = parsed.success && enrolment?.enrolmentId
      ? await deps.secondFactors.completeEnrolment(accountId, person.account.organisationId, enrolment.enrolmentId, parsed.data.code, ctx.ip)
      : { ok: false as const, reason: 'invalid' as const };
    if (!result.ok) {
      await flash(deps, person, { errors: [result.reason === 'throttled' ? 'code.throttled' : 'code.invalid'] });
      return back(ctx, '/enrol');
    }
    // The first code proves the new factor: this session counts as having passed it just now.
    await deps.sessionActivities.record(person.uid, { accountId, secondFactorAt: deps.now() });
    const changed = enrolment?.purpose === 'change';
    await deps.audit.record({
      type: changed ? 'two_factor.changed' : 'two_factor.enabled', organisationId: person.account.organisationId,
      actorId: accountId, targetId: accountId, ip: ctx.ip, data: { method: result.method },
    });
    await deps.notices.send(accountId, changed ? 'twoFactorChanged' : 'twoFactorEnabled', { method: methodName(person, result.method) });
    if (result.recoveryCodes.length > 0) {
      await deps.flows.keepCodes(person.uid, accountId, result.recoveryCodes, 'enrol');
      return back(ctx, '/enrol');
    }
    await deps.flows.finish(person.uid, accountId);
    await flash(deps, person, { info: changed ? 'account.saved.changed' : 'account.saved.enabled', section: 'two-factor' });
    back(ctx, '', 'two-factor');
  };
}

/** "I have stored my recovery codes": they are forgotten, and the page shows the new status. */
export function finishEnrolment(deps: AccountDeps) {
  return async (ctx: Context): Promise<void> => {
    const { person } = await begin(deps, ctx);
    if (!person) return;
    const codes = await deps.flows.codes(person.uid, person.account._id, 'enrol');
    await deps.flows.finish(person.uid, person.account._id);
    if (codes) await flash(deps, person, { info: 'account.saved.enabled', section: 'two-factor' });
    back(ctx, '', 'two-factor');
  };
}

/** Back to the choice of method (the SMS did not arrive, the app is not at hand): the started set-up is dropped. */
export function restartEnrolment(deps: AccountDeps) {
  return async (ctx: Context): Promise<void> => {
    const { person } = await begin(deps, ctx);
    if (!person) return;
    await deps.flows.update(person.uid, person.account._id, { enrolment: undefined });
    back(ctx, '/enrol');
  };
}
