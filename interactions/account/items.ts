/**
 * Removing one of several things the account's method holds (a passkey), with the password and a current code
 * (or a recovery code), as every change of two-step login asks. The last one is never removed here: that is
 * switching two-step login off (where the organisation allows it) or changing the method.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import { CODE_FIELD_MAX } from '../code-step/code-step.ts';
import type { AccountDeps } from './deps.ts';
import { methodName } from './page.ts';
import { back, begin, codeOk, flash, notAllowed, passwordOk, recordChange } from './person.ts';

const SECTION = 'two-factor';
const removeForm = z.object({ item: z.string().min(1).max(1024), password: z.string().max(4096).optional(), code: z.string().max(CODE_FIELD_MAX).optional() });

export function submitRemoveItem(deps: AccountDeps) {
  return async (ctx: Context): Promise<void> => {
    const { form, person } = await begin(deps, ctx);
    if (!person) return;
    if (!person.twoFactorOn) throw notAllowed();
    const parsed = removeForm.safeParse(form);
    if (!parsed.success) {
      await flash(deps, person, { errors: ['account.invalidForm'], section: SECTION });
      return back(ctx, '', SECTION);
    }
    if (!(await passwordOk(deps, ctx, person, parsed.data.password, SECTION))) return back(ctx, '', SECTION);
    if (!(await codeOk(deps, ctx, person, parsed.data.code, SECTION))) return back(ctx, '', SECTION);
    const { method } = await deps.secondFactors.status(person.account._id);
    if (!(await deps.secondFactors.removeItem(person.account._id, parsed.data.item))) {
      await flash(deps, person, { errors: ['account.items.notRemoved'], section: SECTION });
      return back(ctx, '', SECTION);
    }
    await recordChange(deps, ctx, person, 'two_factor.item_removed', 'twoFactorItemRemoved', { method: method ?? '' }, { method: methodName(deps, person, method) });
    await flash(deps, person, { info: 'account.saved.itemRemoved', section: SECTION });
    back(ctx, '', SECTION);
  };
}
