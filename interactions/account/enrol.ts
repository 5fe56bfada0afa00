/**
 * Setting up two-step login from the account page (a first factor: enable), or a new method or phone number
 * (change): the one set-up (../enrolment) with the password asked again with the choice, the recovery codes shown
 * once after a first set-up (a change keeps the existing codes), and the set-up in progress kept server-side for
 * this session, never in the URL.
 */
import type { Context } from 'koa';
import { createEnrolment, type EnrolmentPlace } from '../enrolment/enrolment.ts';
import type { AccountDeps } from './deps.ts';
import { BASE, back, flash, notAllowed, passwordOk, visit, type Person } from './person.ts';

const ENROL = `${BASE}/enrol`;
const STEP = 'enrol';

function accountPlace(deps: AccountDeps): EnrolmentPlace<Person> {
  return {
    async open(ctx) {
      const found = await visit(deps, ctx);
      // The code is due first: the page itself asks it.
      if (found.state === 'code') await flash(deps, found.person, { errors: ['account.codeFirst'] });
      if (found.state !== 'ok') return undefined;
      // Set-up is offered when the organisation allows second factors at all (a forged form: the page never shows it).
      if (found.person.context.twoFactor === 'off') throw notAllowed();
      return found.person;
    },
    fallback: () => BASE,
    accountId: (person) => person.account._id,
    organisationId: async (person) => person.account.organisationId,
    locale: (person) => person.locale,
    action: () => ENROL,
    page: () => ENROL,
    async choice(person) {
      const change = (await deps.secondFactors.status(person.account._id)).method !== undefined;
      return {
        title: change ? 'account.change.title' : 'enrol.title',
        intro: change ? 'account.change.intro' : 'account.enable.intro',
        passwordRequired: true,
        back: BASE,
      };
    },
    mayStart: (ctx, person, form) => passwordOk(deps, ctx, person, form.password, STEP),
    enrolmentId: async (person) => (await deps.flows.get(person.uid, person.account._id))?.enrolment?.enrolmentId,
    async setEnrolmentId(person, enrolmentId) {
      const change = (await deps.secondFactors.status(person.account._id)).method !== undefined;
      await deps.flows.update(person.uid, person.account._id, { enrolment: enrolmentId ? { purpose: change ? 'change' : 'enable', enrolmentId } : undefined });
    },
    codes: (person) => deps.flows.codes(person.uid, person.account._id, STEP),
    keepCodes: (person, enrolled) => deps.flows.keepCodes(person.uid, person.account._id, enrolled.recoveryCodes, STEP),
    async takeMessage(person) {
      const message = await deps.flows.takeFlash(person.uid, person.account._id);
      return message ? { error: message.errors?.[0], info: message.info } : undefined;
    },
    setMessage: (person, message) => flash(deps, person, { ...(message.error ? { errors: [message.error] } : {}), info: message.info }),
    isChange: async (person) => (await deps.flows.get(person.uid, person.account._id))?.enrolment?.purpose === 'change',
    async enrolled(ctx, person, enrolled) {
      // The first code proves the new factor: this session counts as having passed it just now.
      await deps.sessionActivities.record(person.session, { secondFactorAt: deps.now() });
      if (enrolled.recoveryCodes.length > 0) return back(ctx, '/enrol');
      const change = await deps.flows.get(person.uid, person.account._id);
      await deps.flows.finish(person.uid, person.account._id);
      const saved = enrolled.added ? 'account.saved.itemAdded' : change?.enrolment?.purpose === 'change' ? 'account.saved.changed' : 'account.saved.enabled';
      await flash(deps, person, { info: saved, section: 'two-factor' });
      back(ctx, '', 'two-factor');
    },
    async finished(ctx, person) {
      const codes = await deps.flows.codes(person.uid, person.account._id, STEP);
      await deps.flows.finish(person.uid, person.account._id);
      if (codes) await flash(deps, person, { info: 'account.saved.enabled', section: 'two-factor' });
      back(ctx, '', 'two-factor');
    },
  };
}

export function createAccountEnrolment(deps: AccountDeps) {
  const enrolment = createEnrolment(deps, accountPlace(deps));
  return {
    ...enrolment,
    /** GET /account/security/enrol: the set-up for the person, or back to the page. */
    show: async (ctx: Context): Promise<void> => {
      const found = await visit(deps, ctx);
      if (found.state !== 'ok' || found.person.context.twoFactor === 'off') return back(ctx);
      await deps.sessionActivities.touch(found.person.session);
      await enrolment.show(ctx, found.person);
    },
  };
}
