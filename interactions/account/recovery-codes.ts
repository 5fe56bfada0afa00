/**
 * New recovery codes (password asked again): the new set replaces the old one at once and is shown once, until the
 * person confirms they stored it.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import type { AccountDeps } from './deps.ts';
import { BASE, back, begin, flash, notAllowed, passwordOk, visit } from './person.ts';

const STEP = 'recovery-codes';
const renewForm = z.object({ password: z.string().max(4096).optional() });

export function renewRecoveryCodes(deps: AccountDeps) {
  return async (ctx: Context): Promise<void> => {
    const { form, person } = await begin(deps, ctx);
    if (!person) return;
    if (!person.twoFactorOn) throw notAllowed();
    const parsed = renewForm.safeParse(form);
    if (!(await passwordOk(deps, ctx, person, parsed.data?.password, 'two-factor'))) return back(ctx, '', 'two-factor');
    const codes = await deps.secondFactors.regenerateRecoveryCodes(person.account._id);
    await deps.flows.keepCodes(person.uid, person.account._id, codes, STEP);
    await deps.sessionActivities.touch(person.session);
    await deps.audit.record({ type: 'recovery_codes.renewed', organisationId: person.account.organisationId, actorId: person.account._id, targetId: person.account._id, ip: ctx.ip, data: { count: codes.length } });
    await deps.notices.send(person.account._id, 'recoveryCodesRenewed');
    back(ctx, `/${STEP}`);
  };
}

export function showRecoveryCodes(deps: AccountDeps) {
  return async (ctx: Context): Promise<void> => {
    const found = await visit(deps, ctx);
    if (found.state !== 'ok') return back(ctx);
    const { person } = found;
    const codes = await deps.flows.codes(person.uid, person.account._id, STEP);
    if (!codes) return back(ctx, '', 'two-factor');
    await deps.sessionActivities.touch(person.session);
    deps.views.render(ctx, 'enrolment/recovery-codes', person.locale, { codes, action: `${BASE}/${STEP}` });
  };
}

export function finishRecoveryCodes(deps: AccountDeps) {
  return async (ctx: Context): Promise<void> => {
    const { person } = await begin(deps, ctx);
    if (!person) return;
    const codes = await deps.flows.codes(person.uid, person.account._id, STEP);
    await deps.flows.finish(person.uid, person.account._id);
    if (codes) await flash(deps, person, { info: 'account.saved.recoveryCodes', section: 'two-factor' });
    back(ctx, '', 'two-factor');
  };
}
