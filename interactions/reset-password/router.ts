/**
 * The pages of the e-mailed "forgot password" link, `/reset-password/<token>` (outside the login interaction: the
 * link may be opened in another browser). With two-step login on, the code comes first, then the new password
 * twice. Every POST checks the CSRF token and answers 303; a link that is unknown, expired or used gets a friendly
 * page saying how to ask for a new one.
 */
import Router from '@koa/router';
import { RESET_PATH } from '../../src/accounts/password-reset.ts';
import { csrfToken } from '../../src/http/csrf.ts';
import { noStore } from '../../src/http/no-store.ts';
import { createResetCodeStep } from './code.ts';
import type { ResetDeps } from './deps.ts';
import { showDone, showReset } from './pages.ts';
import { submitPassword } from './password.ts';

export type { ResetDeps };

export function createResetPasswordRouter(deps: ResetDeps): Router {
  const router = new Router({ prefix: RESET_PATH });
  router.use(noStore, csrfToken);
  router.get('/done', showDone(deps));
  const codeStep = createResetCodeStep(deps);
  router.get('/:token', showReset(deps, codeStep));
  router.post('/:token', submitPassword(deps));
  router.post('/:token/code', codeStep.submit);
  router.post('/:token/resend', codeStep.resend);
  return router;
}
