/**
 * Step-up: the RP asks the multi-factor level (acr_values, or the claims parameter with an essential acr) or a fresh
 * login (max_age) of a running session. A password session gets a code-only page, an account without a factor the
 * set-up, and every interaction ends with a code or an error at the RP — never a prompt loop.
 */
import { ACR } from '../../../config/oidc.ts';
import { storedId } from '../../../src/db/oidc-storage.ts';
import { oidcCollection } from '../../../src/oidc/adapter.ts';
import { Agent } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import {
  authorizeAgain, callbackOf, enrolTotp, enrolTotpAtLogin, hasPasswordField, idTokenOf, isCodePage, loginWithCode, nextWallSecond, passwordStep,
  postCode, totpNow,
} from '../../support/two-factor.ts';
import { submitLogin } from '../../support/rp.ts';

let poort: TestPoort;

beforeAll(async () => {
  poort = await startPoort('two-factor-step-up');
});
afterAll(async () => {
  await poort.close();
});

const essentialAcr = (value: string): Record<string, string> => ({ claims: JSON.stringify({ id_token: { acr: { essential: true, value } } }) });

/** A password-only session (optional organisation, no factor yet): the agent and the first ID token's auth_time. */
async function passwordSession(tenant: Tenant): Promise<{ agent: Agent; authTime: number }> {
  const login = await passwordStep(poort, tenant, {}, new Agent());
  const claims = await idTokenOf(login, callbackOf(login.step, tenant));
  expect(claims.acr).toBe(ACR.password);
  return { agent: login.agent, authTime: claims.auth_time ?? 0 };
}

test.each([
  ['acr_values', { acr_values: ACR.multiFactor }],
  ['the claims parameter (essential acr)', essentialAcr(ACR.multiFactor)],
])('a password session asked for mfa through %s gets a code-only page, then acr mfa and a newer auth_time', async (_name, extra) => {
  const tenant = await createTenant(poort);
  const session = await passwordSession(tenant);
  const { secret } = await enrolTotp(poort, tenant);
  await nextWallSecond();

  const stepUp = await authorizeAgain(poort, tenant, session.agent, extra);
  expect(isCodePage(stepUp.page)).toBe(true);
  expect(hasPasswordField(stepUp.page)).toBe(false);
  const done = await postCode(poort, stepUp.login, totpNow(poort, secret));
  const claims = await idTokenOf(stepUp.login, callbackOf(done, tenant));
  expect(claims.acr).toBe(ACR.multiFactor);
  expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  expect(claims.auth_time).toBeGreaterThan(session.authTime);

  // The session now holds the mfa level: asking again needs no prompt.
  const again = await authorizeAgain(poort, tenant, session.agent, extra);
  expect((await idTokenOf(again.login, callbackOf(again.page, tenant))).acr).toBe(ACR.multiFactor);
});

/** The reasons oidc-provider gave for an interaction's prompt, as it stored the interaction. */
async function promptReasons(uid: string): Promise<string[]> {
  const entry = await oidcCollection(poort.container.db, 'Interaction').findOne({ _id: storedId('Interaction', uid) });
  return (JSON.parse(entry?.payload ?? '{}') as { prompt?: { reasons?: string[] } }).prompt?.reasons ?? [];
}

test('acr_values=urn:poort:acr:mfa alone, of a password session whose account has a factor: the step-up is its own reason, the code only, then mfa', async () => {
  const tenant = await createTenant(poort);
  const session = await passwordSession(tenant);
  const { secret } = await enrolTotp(poort, tenant);
  await nextWallSecond();

  const stepUp = await authorizeAgain(poort, tenant, session.agent, { acr_values: ACR.multiFactor });
  // The missing code would prompt here on its own too: only the reason shows that the step-up rule asked as well.
  expect(await promptReasons(stepUp.login.uid)).toEqual(['second_factor_missing', 'mfa_requested']);
  expect(isCodePage(stepUp.page)).toBe(true);
  expect(hasPasswordField(stepUp.page)).toBe(false);
  const done = await postCode(poort, stepUp.login, totpNow(poort, secret));
  const claims = await idTokenOf(stepUp.login, callbackOf(done, tenant));
  expect(claims.acr).toBe(ACR.multiFactor);
  expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  expect(claims.auth_time).toBeGreaterThan(session.authTime);
});

test('acr_values listing both levels is no step-up: a password session without a factor gets no prompt and stays at pwd', async () => {
  const tenant = await createTenant(poort);
  const session = await passwordSession(tenant);
  const found = await authorizeAgain(poort, tenant, session.agent, { acr_values: `${ACR.multiFactor} ${ACR.password}` });
  const claims = await idTokenOf(found.login, callbackOf(found.page, tenant));
  expect(claims.acr).toBe(ACR.password);
  expect(claims.amr).toEqual(['pwd']);
});

test('max_age=0 asks the full login again (password, then code), even of an mfa session', async () => {
  const tenant = await createTenant(poort);
  const { secret } = await enrolTotp(poort, tenant);
  const agent = new Agent();
  const first = await loginWithCode(poort, tenant, () => totpNow(poort, secret), { agent });
  await nextWallSecond();

  const fresh = await authorizeAgain(poort, tenant, agent, { max_age: '0' });
  expect(fresh.page.status).toBe(200);
  expect(hasPasswordField(fresh.page)).toBe(true);
  const codePage = await submitLogin(agent, poort.issuer, fresh.page, tenant.email, tenant.password);
  expect(isCodePage(codePage)).toBe(true);
  const done = await postCode(poort, fresh.login, totpNow(poort, secret, 30));
  const claims = await idTokenOf(fresh.login, callbackOf(done, tenant));
  expect(claims.acr).toBe(ACR.multiFactor);
  expect(claims.auth_time).toBeGreaterThan(first.claims.auth_time ?? 0);
});

test('an account without a factor (optional organisation) asked for mfa is sent to set-up, without the password again', async () => {
  const tenant = await createTenant(poort);
  const session = await passwordSession(tenant);
  const stepUp = await authorizeAgain(poort, tenant, session.agent, { acr_values: ACR.multiFactor });
  expect(hasPasswordField(stepUp.page)).toBe(false);
  expect(stepUp.page.body).toContain('name="method"');
  const enrolled = await enrolTotpAtLogin(poort, { ...stepUp.login, step: stepUp.page });
  const claims = await idTokenOf(stepUp.login, enrolled.callback);
  expect(claims.acr).toBe(ACR.multiFactor);
  expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
});

test('a first login that asks for mfa of an account without a factor: password, then set-up', async () => {
  const tenant = await createTenant(poort);
  const login = await passwordStep(poort, tenant, { acr_values: ACR.multiFactor });
  expect(login.step.body).toContain('name="method"');
  const enrolled = await enrolTotpAtLogin(poort, login);
  expect((await idTokenOf(login, enrolled.callback)).acr).toBe(ACR.multiFactor);
});

test('cancelling a step-up ends at the RP with access_denied', async () => {
  const tenant = await createTenant(poort);
  const session = await passwordSession(tenant);
  await enrolTotp(poort, tenant);
  const stepUp = await authorizeAgain(poort, tenant, session.agent, { acr_values: ACR.multiFactor });
  expect(isCodePage(stepUp.page)).toBe(true);
  const aborted = await stepUp.login.agent.follow(`${stepUp.login.base}/abort`, poort.issuer, { form: { csrf: stepUp.login.csrf } });
  expect(callbackOf(aborted, tenant).searchParams.get('error')).toBe('access_denied');
});

test.each([
  ['the password level (an account with a factor always reaches mfa)', ACR.password],
  ['an unknown level', 'urn:example:acr:gold'],
])('an essential acr Poort cannot give — %s — ends with an error at the RP after the code, not another prompt', async (_name, value) => {
  const tenant = await createTenant(poort);
  const { secret } = await enrolTotp(poort, tenant);
  const login = await passwordStep(poort, tenant, essentialAcr(value));
  expect(isCodePage(login.step)).toBe(true);
  const done = await postCode(poort, login, totpNow(poort, secret));
  const callback = callbackOf(done, tenant);
  expect(callback.searchParams.get('error')).toBe('unmet_authentication_requirements');
  expect(callback.searchParams.get('code')).toBeNull();
});
