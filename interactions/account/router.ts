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
import { createAccountEnrolment } from './enrol.ts';
import { submitRemoveItem } from './items.ts';
import { showPage } from './page.ts';
import { submitPassword } from './password.ts';
import { BASE } from './person.ts';
import { finishRecoveryCodes, renewRecoveryCodes, showRecoveryCodes } from './recovery-codes.ts';
import { submitEndOtherSessions, submitEndSession } from './sessions.ts';
import { createAccountCodeStep, sendCode } from './verify.ts';

export type { AccountDeps };

export function createAccountRouter(deps: AccountDeps): Router {
  const router = new Router({ prefix: BASE });
  router.use(noStore, csrfToken);
  const codeStep = createAccountCodeStep(deps);
  router.get('/', showPage(deps, codeStep));
  router.post('/verify', codeStep.submit);
  router.post('/send-code', sendCode(deps));
  const enrolment = createAccountEnrolment(deps);
  router.get('/enrol', enrolment.show);
  router.post('/enrol/start', enrolment.start);
  router.post('/enrol/verify', enrolment.verify);
  router.post('/enrol/done', enrolment.done);
  router.post('/enrol/restart', enrolment.restart);
  router.post('/recovery-codes', renewRecoveryCodes(deps));
  router.get('/recovery-codes', showRecoveryCodes(deps));
  router.post('/recovery-codes/done', finishRecoveryCodes(deps));
  router.post('/code-validity', submitCodeValidity(deps));
  router.post('/disable', submitDisable(deps));
  router.post('/items/remove', submitRemoveItem(deps));
  router.post('/password', submitPassword(deps));
  router.post('/sessions/end', submitEndSession(deps));
  router.post('/sessions/end-others', submitEndOtherSessions(deps));
  return router;
}
