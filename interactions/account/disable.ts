/**
 * Switching two-step login off: only when the organisation makes it optional (a forged form otherwise gets 403),
 * with the password and a current code (or a recovery code).
 */
import type { Context } from 'koa';
import { z } from 'zod';
import { CODE_FIELD_MAX } from '../code-step/code-step.ts';
import type { AccountDeps } from './deps.ts';
import { back, begin, codeOk, flash, notAllowed, passwordOk, recordChange } from './person.ts';

const SECTION = 'disable';
const disableForm = z.object({ password: z.string().max(4096).optional(), code: z.string().max(CODE_FIELD_MAX).optional() });

export function submitDisable(deps: AccountDeps) {
  return async (ctx: Context): Promise<void> => {
    const { form, person } = await begin(deps, ctx);
    if (!person) return;
    if (person.context.twoFactor !== 'optional' || !person.twoFactorOn) throw notAllowed();
    const parsed = disableForm.safeParse(form);
    if (!parsed.success) {
      await flash(deps, person, { errors: ['account.invalidForm'], section: SECTION });
      return back(ctx, '', SECTION);
    }
    if (!(await passwordOk(deps, ctx, person, parsed.data.password, SECTION))) return back(ctx, '', SECTION);
    if (!(await codeOk(deps, ctx, person, parsed.data.code, SECTION))) return back(ctx, '', SECTION);
    await deps.secondFactors.remove(person.account._id);
    await recordChange(deps, ctx, person, 'two_factor.disabled', 'twoFactorDisabled');
    await flash(deps, person, { info: 'account.saved.disabled', section: 'two-factor' });
    back(ctx, '', 'two-factor');
  };
}
