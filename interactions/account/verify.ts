/**
 * The code asked before the page can be used (the session's code is due: not proven in this session, older than
 * the code validity, or idle too long) — the one code step (../code-step) mounted on the account page — and
 * "send me a code" for the forms that ask a code with a change.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import { readForm } from '../../src/http/body.ts';
import { verifyCsrf } from '../../src/http/csrf.ts';
import { createCodeStep, type CodePlace } from '../code-step/code-step.ts';
import type { AccountDeps } from './deps.ts';
import { BASE, back, smsPurpose, visit, type Person } from './person.ts';

const sendForm = z.object({ section: z.enum(['disable', 'password']).optional() });

function accountPlace(deps: AccountDeps): CodePlace<Person> {
  return {
    async open(ctx) {
      const found = await visit(deps, ctx);
      return found.state === 'code' ? found.person : undefined;
    },
    fallback: () => BASE,
    accountId: (person) => person.account._id,
    organisationId: (person) => person.account.organisationId,
    purpose: smsPurpose,
    locale: (_ctx, person) => person.locale,
    page: () => BASE,
    submit: () => `${BASE}/verify`,
    // The page's own "send me a code" (sendCode below) serves the code step too.
    resend: () => `${BASE}/send-code`,
    wording: { title: 'account.code.title', recoveryTitle: 'account.code.title', intro: 'account.code.intro' },
    async takeMessage(person) {
      const flash = await deps.flows.takeFlash(person.uid, person.account._id);
      return flash ? { error: flash.errors?.[0], info: flash.info } : undefined;
    },
    setMessage: (person, message) => deps.flows.update(person.uid, person.account._id, { flash: { ...(message.error ? { errors: [message.error] } : {}), info: message.info } }),
    async claimFirstSend(person) {
      if ((await deps.flows.get(person.uid, person.account._id))?.codeSent) return false;
      await deps.flows.update(person.uid, person.account._id, { codeSent: true });
      return true;
    },
    releaseFirstSend: (person) => deps.flows.update(person.uid, person.account._id, { codeSent: undefined }),
    auditPrefix: 'account',
    async proven(ctx, person) {
      // The code is proven now: the session's timers start again (this is also activity).
      await deps.sessionActivities.record(person.session, { secondFactorAt: deps.now() });
      await deps.flows.update(person.uid, person.account._id, { codeSent: undefined });
      back(ctx);
    },
  };
}

export function createAccountCodeStep(deps: AccountDeps) {
  return createCodeStep(deps, accountPlace(deps));
}

/** "Send me a code" beside a form that asks a code with a change (disable, password). */
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
