/**
 * The second step of a login: the one code step (../code-step) mounted in the interaction, or the set-up of a first
 * factor when the account has none. Reached after the password (pending state kept server-side, keyed by the
 * interaction uid) or directly when the session only needs its code again (inactivity, code validity, step-up).
 */
import type { Context } from 'koa';
import type { Pending } from '../../src/auth/interaction-state.ts';
import type { Locale } from '../../src/i18n/index.ts';
import { createCodeStep, type CodePlace } from '../code-step/code-step.ts';
import type { InteractionDetails } from '../details.ts';
import type { InteractionDeps } from '../deps.ts';
import { showEnrolment } from '../enrolment/route.ts';
import { finishLogin } from './finish.ts';
import { pendingLoginPlace, type PendingLogin } from './pending.ts';

function loginPlace(deps: InteractionDeps): CodePlace<PendingLogin> {
  return {
    ...pendingLoginPlace(deps),
    organisationId: (state) => state.pending.context?.organisationId,
    purpose: (state) => ({ kind: 'login', id: state.uid }),
    locale: (_ctx, state) => state.locale ?? 'en',
    submit: (state) => `/interaction/${state.uid}/second-factor`,
    resend: (state) => `/interaction/${state.uid}/second-factor/resend`,
    wording: { title: 'code.title', recoveryTitle: 'recovery.title', cancel: (state) => `/interaction/${state.uid}/abort` },
    async claimFirstSend(state) {
      if (state.pending.codeSent) return false;
      await deps.states.updatePending(state.uid, { codeSent: true });
      return true;
    },
    releaseFirstSend: (state) => deps.states.updatePending(state.uid, { codeSent: undefined }),
    auditPrefix: 'login',
    proven: (ctx, state, result) => finishLogin(deps, ctx, state.pending, result.amr),
  };
}

export function createLoginCodeStep(deps: InteractionDeps) {
  return createCodeStep(deps, loginPlace(deps));
}

/** The page for a pending second step: the code (or recovery code) form, or the set-up of a first factor. */
export async function showSecondStep(deps: InteractionDeps, ctx: Context, details: InteractionDetails, pending: Pending, locale: Locale): Promise<void> {
  const status = pending.factor ?? await deps.secondFactors.status(pending.accountId);
  if (!status.method || pending.enrolmentId || pending.recoveryCodes) {
    await showEnrolment(deps, ctx, details, pending, locale);
    return;
  }
  await createLoginCodeStep(deps).show(ctx, { uid: details.uid, pending, locale }, status);
}
