/**
 * The account security page at /account/security (the seed's "settings in your profile"): outside the
 * /interaction/:uid routes, for the person logged in at Poort. Every POST checks the CSRF token and answers 303 back
 * to a page, with its message kept server-side for the session.
 */
import Router from '@koa/router';
import { csrfToken } from '../../src/http/csrf.ts';
import { noStore } from '../../src/http/no-store.ts';
import { submitCodeValidity } from './code-validity.ts';
import type { AccountDeps } from './deps.ts';
import { submitDisable } from './disable.ts';
import { finishEnrolment, restartEnrolment, showEnrolment, startEnrolment, verifyEnrolment } from './enrol.ts';
import { showPage } from './page.ts';
import { submitPassword } from './password.ts';
import { BASE } from './person.ts';
import { finishRecoveryCodes, renewRecoveryCodes, showRecoveryCodes } from './recovery-codes.ts';
import { sendCode, submitSessionCode } from './verify.ts';

export type { AccountDeps };

export function createAccountRouter(deps: AccountDeps): Router {
  const router = new Router({ prefix: BASE });
  router.use(noStore, csrfToken);
  router.get('/', showPage(deps));
  router.post('/verify', submitSessionCode(deps));
  router.post('/send-code', sendCode(deps));
  router.get('/enrol', showEnrolment(deps));
  router.post('/enrol/start', startEnrolment(deps));
  router.post('/enrol/verify', verifyEnrolment(deps));
  router.post('/enrol/done', finishEnrolment(deps));
  router.post('/enrol/restart', restartEnrolment(deps));
  router.post('/recovery-codes', renewRecoveryCodes(deps));
  router.get('/recovery-codes', showRecoveryCodes(deps));
  router.post('/recovery-codes/done', finishRecoveryCodes(deps));
  router.post('/code-validity', submitCodeValidity(deps));
  router.post('/disable', submitDisable(deps));
  router.post('/password', submitPassword(deps));
  return router;
}
