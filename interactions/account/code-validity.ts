/** The code validity (password asked again): one of the organisation's choices, how long a verified code lasts. */
import type { Context } from 'koa';
import { z } from 'zod';
import type { AccountDeps } from './deps.ts';
import { methodName } from './page.ts';
import { back, begin, flash, notAllowed, passwordOk, recordChange } from './person.ts';

const SECTION = 'code-validity';
const validityForm = z.object({ password: z.string().max(4096).optional(), validity: z.coerce.number().int().positive() });

export function submitCodeValidity(deps: AccountDeps) {
  return async (ctx: Context): Promise<void> => {
    const { form, person } = await begin(deps, ctx);
    if (!person) return;
    if (!person.twoFactorOn) throw notAllowed();
    const parsed = validityForm.safeParse(form);
    if (!parsed.success || !person.organisation.codeValidityChoices.includes(parsed.data.validity)) {
      await flash(deps, person, { errors: ['account.validity.invalid'], section: SECTION });
      return back(ctx, '', SECTION);
    }
    if (!(await passwordOk(deps, ctx, person, parsed.data.password, SECTION))) return back(ctx, '', SECTION);
    await deps.secondFactors.setCodeValidity(person.account._id, parsed.data.validity);
    const method = (await deps.secondFactors.status(person.account._id)).method;
    await recordChange(deps, ctx, person, 'two_factor.code_validity_changed', 'twoFactorChanged', { seconds: parsed.data.validity }, { method: methodName(deps, person, method) });
    await flash(deps, person, { info: 'account.saved.validity', section: SECTION });
    back(ctx, '', SECTION);
  };
}
