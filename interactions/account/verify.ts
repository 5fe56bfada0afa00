/**
 * The code asked before the page can be used (the session's code is due: not proven in this session, older than
 * the code validity, or idle too long), and "send me a code" for SMS accounts (also for the forms that ask a code).
 */
import type { Context } from 'koa';
import { z } from 'zod';
import { readForm } from '../../src/http/body.ts';
import { verifyCsrf } from '../../src/http/csrf.ts';
import type { AccountDeps } from './deps.ts';
import { back, smsPurpose, visit } from './person.ts';

const codeForm = z.object({ kind: z.enum(['code', 'recovery']).default('code'), code: z.string().max(64).default('') });
const sendForm = z.object({ section: z.enum(['disable', 'password']).optional() });

export function submitSessionCode(deps: AccountDeps) {
  return async (ctx: Context): Promise<void> => {
    const form = await readForm(ctx);
    verifyCsrf(ctx, form);
    const found = await visit(deps, ctx);
    if (found.state !== 'code') return back(ctx);
    const { person } = found;
    const accountId = person.account._id;
    const parsed = codeForm.safeParse(form);
    const kind = parsed.success ? parsed.data.kind : 'code';
    const retry = kind === 'recovery' ? '?use=recovery' : '';
    const result = parsed.success && parsed.data.code
      ? await deps.secondFactors.verify(accountId, kind, parsed.data.code, ctx.ip, smsPurpose(person))
      : { ok: false as const, reason: 'invalid' as const };
    if (!result.ok) {
      await deps.audit.record({ type: `account.second_factor_${result.reason === 'invalid' ? 'failed' : result.reason}`, organisationId: person.account.organisationId, actorId: accountId, targetId: accountId, ip: ctx.ip });
      await deps.flows.update(person.uid, accountId, { flash: { errors: [result.reason === 'throttled' ? 'code.throttled' : 'code.invalid'] } });
      return back(ctx, retry);
    }
    // The code is proven now: the session's timers start again (this is also activity).
    await deps.sessionActivities.record(person.uid, { accountId, secondFactorAt: deps.now() });
    await deps.flows.update(person.uid, accountId, { codeSent: undefined });
    await deps.audit.record({ type: 'account.second_factor', organisationId: person.account.organisationId, actorId: accountId, targetId: accountId, ip: ctx.ip, data: { method: result.amr } });
    if (result.recoveryRemaining !== undefined) await deps.notices.send(accountId, 'recoveryCodeUsed', { remaining: result.recoveryRemaining });
    back(ctx);
  };
}

export function sendCode(deps: AccountDeps) {
  return async (ctx: Context): Promise<void> => {
    const form = await readForm(ctx);
    verifyCsrf(ctx, form);
    const found = await visit(deps, ctx);
    if (found.state === 'anonymous') return back(ctx);
    const { person } = found;
    const section = sendForm.safeParse(form).data?.section;
    const sent = await deps.secondFactors.challenge(person.account._id, smsPurpose(person));
    const message = sent === 'throttled' ? { errors: ['code.resendThrottled'] } : sent === 'failed' ? { errors: ['code.sendFailed'] } : sent === 'sent' ? { info: 'code.resent' } : {};
    await deps.flows.update(person.uid, person.account._id, { codeSent: true, flash: { ...message, section: found.state === 'ok' ? section : undefined } });
    back(ctx, '', found.state === 'ok' ? section : undefined);
  };
}
