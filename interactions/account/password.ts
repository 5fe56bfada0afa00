/**
 * Changing the password: the current password, a code when two-step login is on, and the new password twice (the
 * password rules apply). Afterwards every other session of the account ends, with the refresh tokens issued to it.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import { CODE_FIELD_MAX } from '../code-step/code-step.ts';
import type { AccountDeps } from './deps.ts';
import { refusalMessages } from '../password-refusal.ts';
import { back, begin, codeOk, flash, passwordOk, recordChange } from './person.ts';

const SECTION = 'password';
const passwordForm = z.object({
  current: z.string().max(4096).optional(),
  code: z.string().max(CODE_FIELD_MAX).optional(),
  password: z.string().max(4096).default(''),
  confirm: z.string().max(4096).default(''),
});

export function submitPassword(deps: AccountDeps) {
  return async (ctx: Context): Promise<void> => {
    const { form, person } = await begin(deps, ctx);
    if (!person) return;
    const accountId = person.account._id;
    const parsed = passwordForm.safeParse(form);
    if (!parsed.success) {
      await flash(deps, person, { errors: ['account.invalidForm'], section: SECTION });
      return back(ctx, '', SECTION);
    }
    const { current, code, password, confirm } = parsed.data;
    // The new password is checked first: a rejected one must not cost the person a code.
    const problems = refusalMessages(await deps.passwordChange.check(accountId, password));
    if (password !== confirm) problems.push('account.password.mismatch');
    if (problems.length > 0) {
      await flash(deps, person, { errors: problems, section: SECTION });
      return back(ctx, '', SECTION);
    }
    if (!(await passwordOk(deps, ctx, person, current, SECTION))) return back(ctx, '', SECTION);
    if (person.twoFactorOn && !(await codeOk(deps, ctx, person, code, SECTION))) return back(ctx, '', SECTION);
    const changed = await deps.passwordChange.change(accountId, password, {
      session: person.session, sessionId: person.sessionId, grantIds: person.grantIds, codeChecked: person.twoFactorOn,
    });
    if (!changed.ok) {
      await flash(deps, person, { errors: refusalMessages(changed), section: SECTION });
      return back(ctx, '', SECTION);
    }
    await recordChange(deps, ctx, person, 'password.changed', 'passwordChanged', {
      sessionsEnded: changed.ended.sessionUids.length, grantsRevoked: changed.ended.grantsRevoked,
    });
    await flash(deps, person, { info: 'account.saved.password', section: SECTION });
    back(ctx, '', SECTION);
  };
}
