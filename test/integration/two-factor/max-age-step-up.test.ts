/**
 * max_age on a running session (RFC 9470 step-up: the admin API's challenge carries it): judged on Poort's clock.
 * With 2FA on, the code alone authenticates again — no password — and the new tokens carry a new auth_time; with
 * 2FA off for the person, the password is asked again. Within max_age nothing is asked.
 */
import { ACR } from '../../../config/oidc.ts';
import { Agent } from '../../support/browser.ts';
import { createClock } from '../../support/clock.ts';
import { createTenant, startPoort, type TestPoort } from '../../support/poort.ts';
import { submitLogin } from '../../support/rp.ts';
import {
  authorizeAgain, callbackOf, enrolTotp, hasPasswordField, idTokenOf, isCodePage, loginWithCode, passwordStep, postCode, setPolicy, totpNow,
} from '../../support/two-factor.ts';

const clock = createClock();
let poort: TestPoort;

beforeAll(async () => {
  poort = await startPoort('two-factor-max-age', {}, { now: clock.now });
});
afterAll(async () => {
  await poort.close();
});

test('an mfa session older than max_age gets the code-only page; the new ID token has acr mfa and a new auth_time', async () => {
  const tenant = await createTenant(poort);
  const { secret } = await enrolTotp(poort, tenant);
  const agent = new Agent();
  const first = await loginWithCode(poort, tenant, () => totpNow(poort, secret), { agent });
  clock.advance(11 * 60);

  const stepUp = await authorizeAgain(poort, tenant, agent, { acr_values: ACR.multiFactor, max_age: '600' });
  expect(isCodePage(stepUp.page)).toBe(true);
  expect(hasPasswordField(stepUp.page)).toBe(false);
  const done = await postCode(poort, stepUp.login, totpNow(poort, secret));
  const claims = await idTokenOf(stepUp.login, callbackOf(done, tenant));
  expect(claims.acr).toBe(ACR.multiFactor);
  expect(claims.auth_time).toBeGreaterThanOrEqual((first.claims.auth_time ?? 0) + 11 * 60);
});

test('within max_age nothing is asked', async () => {
  const tenant = await createTenant(poort);
  const { secret } = await enrolTotp(poort, tenant);
  const agent = new Agent();
  const first = await loginWithCode(poort, tenant, () => totpNow(poort, secret), { agent });
  clock.advance(5 * 60);

  const again = await authorizeAgain(poort, tenant, agent, { acr_values: ACR.multiFactor, max_age: '600' });
  const claims = await idTokenOf(again.login, callbackOf(again.page, tenant));
  expect(claims.auth_time).toBe(first.claims.auth_time);
});

test('with 2FA off, a session older than max_age gets the password page again', async () => {
  const tenant = await createTenant(poort);
  await setPolicy(poort, tenant.organisationId, { twoFactor: 'off' });
  const login = await passwordStep(poort, tenant, {}, new Agent());
  const first = await idTokenOf(login, callbackOf(login.step, tenant));
  clock.advance(11 * 60);

  const again = await authorizeAgain(poort, tenant, login.agent, { max_age: '600' });
  expect(hasPasswordField(again.page)).toBe(true);
  const done = await submitLogin(login.agent, poort.issuer, again.page, tenant.email, tenant.password);
  const claims = await idTokenOf(again.login, callbackOf(done, tenant));
  expect(claims.acr).toBe(ACR.password);
  expect(claims.auth_time).toBeGreaterThanOrEqual((first.auth_time ?? 0) + 11 * 60);
});
