/**
 * The code asked before a new password is accepted (DESIGN §5: forgot password → code if two-step login is on):
 * the one code step (../code-step) mounted on the reset link; a right code is recorded on the link.
 */
import type { ResetLink } from '../../src/accounts/password-reset.ts';
import { RESET_PATH } from '../../src/accounts/password-reset.ts';
import { createCodeStep, type CodePlace } from '../code-step/code-step.ts';
import { linkLocale, tokenOf, type ResetDeps } from './deps.ts';

interface ResetCode {
  token: string;
  link: ResetLink;
}

const linkPage = (token: string): string => `${RESET_PATH}/${encodeURIComponent(token)}`;

function resetPlace(deps: ResetDeps): CodePlace<ResetCode> {
  return {
    async open(ctx) {
      const token = tokenOf(ctx);
      const link = await deps.passwordResets.open(token);
      return link?.codeNeeded && !link.codeVerified ? { token, link } : undefined;
    },
    // The link's page shows what is due, or that the link no longer works.
    fallback: (ctx) => linkPage(tokenOf(ctx)),
    accountId: ({ link }) => link.accountId,
    organisationId: ({ link }) => link.organisationId,
    purpose: ({ link }) => ({ kind: 'reset', id: link.id }),
    locale: (ctx, { link }) => linkLocale(ctx, link),
    page: ({ token }) => linkPage(token),
    submit: ({ token }) => `${linkPage(token)}/code`,
    resend: ({ token }) => `${linkPage(token)}/resend`,
    wording: { title: 'reset.title', recoveryTitle: 'reset.title', intro: 'reset.code.intro' },
    async takeMessage({ link }) {
      const flash = await deps.passwordResets.takeFlash(link.id);
      return flash ? { error: flash.errors?.[0], info: flash.info } : undefined;
    },
    setMessage: ({ link }, message) => deps.passwordResets.setFlash(link.id, { ...(message.error ? { errors: [message.error] } : {}), info: message.info }),
    claimFirstSend: ({ link }) => (link.codeSent ? Promise.resolve(false) : deps.passwordResets.claimCodeSend(link.id)),
    releaseFirstSend: ({ link }) => deps.passwordResets.releaseCodeSend(link.id),
    auditPrefix: 'password_reset',
    async proven(ctx, { token, link }) {
      await deps.passwordResets.codeVerified(link.id);
      ctx.status = 303;
      ctx.redirect(linkPage(token));
    },
  };
}

export function createResetCodeStep(deps: ResetDeps) {
  return createCodeStep(deps, resetPlace(deps));
}
