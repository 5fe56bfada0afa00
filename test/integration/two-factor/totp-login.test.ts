/** Two-step login with the authenticator app: password, then the code; replay, wrong and malformed codes. */
import { ACR } from '../../../config/oidc.ts';
import { Agent } from '../../support/browser.ts';
import { createTenant, startPoort, type TestPoort } from '../../support/poort.ts';
import { expectNoLeak } from '../../support/security.ts';
import {
  callbackOf, codeMessage, enrolTotp, hasPasswordField, idTokenOf, isCodePage, loginWithCode, passwordStep, postCode, totpNow,
} from '../../support/two-factor.ts';

let poort: TestPoort;

beforeAll(async () => {
  poort = await startPoort('two-factor-totp-login');
});
afterAll(async () => {
  await poort.close();
});

test('§5 log in: the password alone finishes nothing; the code page follows and the RP gets an mfa login', async () => {
  const tenant = await createTenant(poort);
  const { secret } = await enrolTotp(poort, tenant);
  const before = Math.floor(Date.now() / 1000);

  const login = await passwordStep(poort, tenant);
  expect(isCodePage(login.step)).toBe(true);
  expect(login.step.location).toBeUndefined();
  expect(login.step.body).toContain('autocomplete="one-time-code"');
  expect(login.step.body).toContain(`/interaction/${login.uid}?use=recovery`);

  const done = await postCode(poort, login, totpNow(poort, secret));
  const claims = await idTokenOf(login, callbackOf(done, tenant));
  expect(claims.acr).toBe(ACR.multiFactor);
  expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  expect(claims.auth_time).toBeGreaterThanOrEqual(before);
  expect(claims.auth_time).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
});

test('resuming the authorization by hand after the password alone gives the RP nothing: the password is asked again', async () => {
  const tenant = await createTenant(poort);
  await enrolTotp(poort, tenant);
  const login = await passwordStep(poort, tenant);
  expect(isCodePage(login.step)).toBe(true);
  const resumed = await login.agent.trace(`${poort.issuer}/auth/${login.uid}`, poort.issuer);
  expect(resumed.some((page) => page.location?.startsWith(tenant.redirectUri))).toBe(false);
  const last = resumed[resumed.length - 1];
  expect(last?.status).toBe(200);
  expect(last && hasPasswordField(last)).toBe(true);
});

test('the same code (same time step) is refused on a second login, with the generic message', async () => {
  const tenant = await createTenant(poort);
  const { secret } = await enrolTotp(poort, tenant);
  const code = totpNow(poort, secret);
  const first = await loginWithCode(poort, tenant, () => code);
  expect(first.claims.acr).toBe(ACR.multiFactor);

  const second = await passwordStep(poort, tenant);
  const replayed = await postCode(poort, second, code);
  expect(replayed.location).toBeUndefined();
  expect(isCodePage(replayed)).toBe(true);
  expect(codeMessage(replayed)).toBe('invalid');
});

test('a wrong code shows the generic message on the same code page (303 back), and the right code still works', async () => {
  const tenant = await createTenant(poort);
  const { secret } = await enrolTotp(poort, tenant);
  const login = await passwordStep(poort, tenant);
  const right = totpNow(poort, secret);
  const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');

  const posted = await login.agent.request(`${login.base}/second-factor`, { form: { csrf: login.csrf, kind: 'code', code: wrong } });
  expect(posted.status).toBe(303);
  expect(posted.location).toBe(`${poort.issuer}/interaction/${login.uid}`);
  const page = await login.agent.request(posted.location ?? '');
  expect(isCodePage(page)).toBe(true);
  expect(hasPasswordField(page)).toBe(false);
  expect(codeMessage(page)).toBe('invalid');
  // The page shown is the code page of the same interaction, not a new login.
  expect(page.body).toContain(`action="/interaction/${login.uid}/second-factor"`);

  const done = await postCode(poort, login, right);
  expect((await idTokenOf(login, callbackOf(done, tenant))).amr).toEqual(['pwd', 'otp', 'mfa']);
});

test.each([
  ['letters', 'abcdef'],
  ['64 digits', '1'.repeat(64)],
  ['65 digits', '1'.repeat(65)],
  ['10,000 characters', 'x'.repeat(10_000)],
  ['empty', ''],
  ['non-ASCII digits', '١٢٣٤٥٦'],
  ['markup', '<script>alert(1)</script>'],
])('a malformed code (%s) gets the generic message on the same page, never a 500', async (_name, code) => {
  const tenant = await createTenant(poort);
  const { secret } = await enrolTotp(poort, tenant);
  const login = await passwordStep(poort, tenant);
  const posted = await login.agent.request(`${login.base}/second-factor`, { form: { csrf: login.csrf, kind: 'code', code } });
  expect(posted.status).toBe(303);
  expect(posted.location).toBe(`${poort.issuer}/interaction/${login.uid}`);
  const page = await login.agent.request(posted.location ?? '');
  expect(page.status).toBe(200);
  expect(isCodePage(page)).toBe(true);
  expect(codeMessage(page)).toBe('invalid');
  expect(page.body).not.toContain('<script>alert(1)');
  expectNoLeak(page.body);
  // Nothing was spoiled: the right code still logs in.
  const done = await postCode(poort, login, totpNow(poort, secret));
  expect(callbackOf(done, tenant).searchParams.get('code')).toBeTruthy();
});

test('an unknown form kind or a code without a pending login never answers 500', async () => {
  const tenant = await createTenant(poort);
  await enrolTotp(poort, tenant);
  const login = await passwordStep(poort, tenant);
  const oddKind = await login.agent.request(`${login.base}/second-factor`, { form: { csrf: login.csrf, kind: 'password', code: '123456' } });
  expect(oddKind.status).toBe(303);
  expect(codeMessage(await login.agent.request(oddKind.location ?? ''))).toBe('invalid');

  // A second browser that never gave the password cannot post a code to someone else's interaction.
  const stranger = new Agent();
  const foreign = await stranger.request(`${login.base}/second-factor`, { form: { csrf: 'x', kind: 'code', code: '123456' } });
  expect(foreign.status).toBeGreaterThanOrEqual(400);
  expect(foreign.status).toBeLessThan(500);
  expectNoLeak(foreign.body);
});
