/** Logging in with a recovery code: single use (also under 20 parallel submissions) and the security notice. */
import { ACR } from '../../../config/oidc.ts';
import { createRecoveryCodes } from '../../../src/auth/factors/recovery-code.ts';
import { en } from '../../../src/i18n/en.ts';
import { Agent } from '../../support/browser.ts';
import { createTenant, startPoort, type TestPoort } from '../../support/poort.ts';
import {
  callbackOf, codeMessage, enrolTotp, idTokenOf, isCodePage, passwordStep, postCode, type AfterPassword,
} from '../../support/two-factor.ts';

let poort: TestPoort;

beforeAll(async () => {
  poort = await startPoort('two-factor-recovery-login');
});
afterAll(async () => {
  await poort.close();
});

const remaining = (accountId: string): Promise<number> =>
  poort.container.models.RecoveryCode.countDocuments({ accountId, usedAt: { $exists: false } }).exec();

/** Opens the recovery-code page of a login at its code step. */
async function recoveryPage(login: AfterPassword) {
  const page = await login.agent.request(`${login.base}?use=recovery`);
  expect(page.status).toBe(200);
  expect(page.body).toContain('name="kind" value="recovery"');
  return page;
}

test('a recovery code logs in once (amr pwd rc mfa); the second use is refused with the generic message', async () => {
  const tenant = await createTenant(poort);
  const { recoveryCodes } = await enrolTotp(poort, tenant);
  expect(recoveryCodes).toHaveLength(6);
  const code = recoveryCodes[0] ?? '';

  const first = await passwordStep(poort, tenant);
  expect(isCodePage(first.step)).toBe(true);
  await recoveryPage(first);
  // As a person might type it: lower case.
  const done = await postCode(poort, first, code.toLowerCase(), 'recovery');
  const claims = await idTokenOf(first, callbackOf(done, tenant));
  expect(claims.acr).toBe(ACR.multiFactor);
  expect(claims.amr).toEqual(['pwd', 'rc', 'mfa']);

  const second = await passwordStep(poort, tenant);
  await recoveryPage(second);
  const posted = await second.agent.request(`${second.base}/second-factor`, { form: { csrf: second.csrf, kind: 'recovery', code } });
  expect(posted.status).toBe(303);
  expect(posted.location).toBe(`${poort.issuer}/interaction/${second.uid}?use=recovery`);
  const refused = await second.agent.request(posted.location ?? '');
  expect(refused.body).toContain('name="kind" value="recovery"');
  expect(codeMessage(refused)).toBe('invalid');
  expect(await remaining(tenant.accountId)).toBe(5);
});

test('a "recovery code used" notice is mailed, with how many codes remain', async () => {
  const tenant = await createTenant(poort);
  const { recoveryCodes } = await enrolTotp(poort, tenant);
  const login = await passwordStep(poort, tenant);
  const done = await postCode(poort, login, recoveryCodes[3] ?? '', 'recovery');
  callbackOf(done, tenant);
  const mail = poort.container.outbox?.list().find((m) => m.kind === 'mail' && m.to === tenant.email && m.subject === en['notice.recoveryCodeUsed.subject']);
  expect(mail).toBeDefined();
  expect(mail?.text).toContain('5 recovery codes remain');
  // The notice never carries a code.
  for (const code of recoveryCodes) expect(`${mail?.text}${mail?.html}`).not.toContain(code);
});

test('one recovery code submitted by 20 logins at once (each after its password) logs in exactly once', async () => {
  const tenant = await createTenant(poort);
  const { recoveryCodes } = await enrolTotp(poort, tenant);
  const code = recoveryCodes[1] ?? '';
  const logins: AfterPassword[] = [];
  // The passwords one after another (the password throttle is not under test); then the codes all at once.
  for (let i = 0; i < 20; i += 1) logins.push(await passwordStep(poort, tenant, {}, new Agent()));
  for (const login of logins) expect(isCodePage(login.step)).toBe(true);

  const results = await Promise.all(logins.map((login) => postCode(poort, login, code, 'recovery')));
  const successes = results.filter((page) => page.location?.startsWith(tenant.redirectUri));
  expect(successes).toHaveLength(1);
  for (const page of results.filter((p) => !successes.includes(p))) {
    expect(page.status).toBe(200);
    expect(['invalid', 'throttled']).toContain(codeMessage(page));
  }
  expect(await remaining(tenant.accountId)).toBe(5);
});

test('the store spends a recovery code once even when 20 uses race without the throttle in front', async () => {
  const tenant = await createTenant(poort);
  const { RecoveryCode } = poort.container.models;
  const store = createRecoveryCodes(RecoveryCode, poort.container.box, poort.container.now);
  const [code = ''] = await store.regenerate(tenant.accountId);
  const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.use(tenant.accountId, code)));
  expect(outcomes.filter((left) => left !== null)).toEqual([5]);
  expect(await store.remaining(tenant.accountId)).toBe(5);
});
