/**
 * Setting up a first second factor during a login (the organisation requires 2FA, or the platform asked for the
 * multi-factor level): the one set-up (./enrolment.ts) mounted in the interaction. It cannot be skipped, only
 * cancelled; after the recovery codes the login continues with the factor just set up.
 */
import type { Context } from 'koa';
import type { Pending } from '../../src/auth/interaction-state.ts';
import type { Locale } from '../../src/i18n/index.ts';
import { redirectBack, type InteractionDetails } from '../details.ts';
import type { InteractionDeps } from '../deps.ts';
import { finishLogin } from '../second-factor/finish.ts';
import { pendingLoginPlace, type PendingLogin } from '../second-factor/pending.ts';
import { createEnrolment, type EnrolmentPlace } from './enrolment.ts';

const codesContext = (uid: string): string => `recovery-codes:${uid}`;

function loginPlace(deps: InteractionDeps): EnrolmentPlace<PendingLogin> {
  return {
    ...pendingLoginPlace(deps),
    organisationId: async (state) => (await deps.accounts.get(state.pending.accountId))?.organisationId ?? '',
    locale: (state) => state.locale ?? 'en',
    action: (state) => `/interaction/${state.uid}/enrol`,
    choice: async () => ({}),
    mayStart: async () => true,
    enrolmentId: async (state) => state.pending.enrolmentId,
    setEnrolmentId: (state, enrolmentId) => deps.states.updatePending(state.uid, { enrolmentId }),
    async codes(state) {
      if (!state.pending.recoveryCodes) return undefined;
      return JSON.parse(deps.box.open(state.pending.recoveryCodes, codesContext(state.uid)).toString('utf8')) as string[];
    },
    async keepCodes(state, enrolled) {
      const sealed = deps.box.seal(Buffer.from(JSON.stringify(enrolled.recoveryCodes)), codesContext(state.uid));
      await deps.states.updatePending(state.uid, { enrolmentId: undefined, recoveryCodes: sealed, verified: enrolled.amr });
    },
    // During a login the account has no factor yet: this is always a first set-up.
    isChange: async () => false,
    async enrolled(ctx, state, enrolled) {
      if (enrolled.recoveryCodes.length === 0) return finishLogin(deps, ctx, state.pending, enrolled.amr);
      redirectBack(ctx, state.uid);
    },
    async finished(ctx, state) {
      if (!state.pending.recoveryCodes || !state.pending.verified) return redirectBack(ctx, state.uid);
      await finishLogin(deps, ctx, state.pending, state.pending.verified);
    },
  };
}

export function createLoginEnrolment(deps: InteractionDeps) {
  return createEnrolment(deps, loginPlace(deps));
}

export async function showEnrolment(deps: InteractionDeps, ctx: Context, details: InteractionDetails, pending: Pending, locale: Locale): Promise<void> {
  await createLoginEnrolment(deps).show(ctx, { uid: details.uid, pending, locale });
}
