/**
 * Switching two-step login off on the account page (DESIGN §5: password and code; only when the organisation makes
 * it optional). With `required` the form is absent and a forged POST is refused.
 */
import { ACCOUNT, accountPage, alerts, auditEvents, isAccountPage, message, notes, notices, postAccount } from '../../support/account.ts';
import { createClock } from '../../support/clock.ts';
import { createTenant, startPoort, type TestPoort } from '../../support/poort.ts';
import {
  callbackOf, enrolSms, enrolTotp, expireSmsInterval, idTokenOf, loginWithCode, outboxSmsCode, passwordStep, setPolicy, totpNow,
} from '../../support/two-factor.ts';

let poort: TestPoort;
const clock = createClock();

beforeAll(async () => {
  poort = await startPoort('account-disable', {}, { now: clock.now });
});
afterAll(async () => {
  await poort.close();
});

test('optional: wrong password, missing or wrong code refused; password + code switch it off and the next login asks no code', async () => {
  const tenant = await createTenant(poort);
  const { secret } = await enrolTotp(poort, tenant);
  const { login } = await loginWithCode(poort, tenant, () => totpNow(poort, secret));
  const agent = login.agent;
  const page = await accountPage(poort, agent);
  expect(page.body).toContain(`action="${ACCOUNT}/disable"`);
  clock.advance(30);

  const attempts: Array<[Record<string, string>, string]> = [
    [{ password: 'Wrong password 1!', code: totpNow(poort, secret) }, message('account.passwordIncorrect')],
    [{ password: tenant.password }, message('code.invalid')],
    [{ password: tenant.password, code: '' }, message('code.invalid')],
    [{ password: tenant.password, code: '000000' === totpNow(poort, secret) ? '111111' : '000000' }, message('code.invalid')],
    [{ password: tenant.password, code: 'ABCDE-FGHJK' }, message('code.invalid')],
  ];
  for (const [fields, expected] of attempts) {
    const refused = await postAccount(poort, agent, page, '/disable', fields);
    expect(alerts(refused)).toEqual([expected]);
    expect(await poort.container.secondFactors.get(tenant.accountId)).toBeDefined();
  }
  expect(notices(poort, tenant.email, 'twoFactorDisabled')).toHaveLength(0);

  const done = await postAccount(poort, agent, page, '/disable', { password: tenant.password, code: totpNow(poort, secret) });
  expect(isAccountPage(done)).toBe(true);
  expect(notes(done)).toEqual([message('account.saved.disabled')]);
  expect(done.body).toContain(message('account.twoFactor.off'));
  expect(done.body).not.toContain(`action="${ACCOUNT}/disable"`);
  expect(await poort.container.secondFactors.get(tenant.accountId)).toBeUndefined();
  expect(notices(poort, tenant.email, 'twoFactorDisabled')).toHaveLength(1);
  expect(await auditEvents(poort, tenant.accountId, 'two_factor.disabled')).toHaveLength(1);

  // The next login is the password alone.
  const next = await passwordStep(poort, tenant);
  const claims = await idTokenOf(next, callbackOf(next.step, tenant));
  expect(claims.amr).toEqual(['pwd']);
});

test('optional: a recovery code instead of the app\'s code also switches it off', async () => {
  const tenant = await createTenant(poort);
  const { secret, recoveryCodes } = await enrolTotp(poort, tenant);
  const { login } = await loginWithCode(poort, tenant, () => totpNow(poort, secret));
  const page = await accountPage(poort, login.agent);
  const done = await postAccount(poort, login.agent, page, '/disable', { password: tenant.password, code: (recoveryCodes[2] ?? '').toLowerCase() });
  expect(notes(done)).toEqual([message('account.saved.disabled')]);
  expect(await poort.container.secondFactors.get(tenant.accountId)).toBeUndefined();
});

test('required: no switch-off form, and a forged POST with the right password and code is refused with 403', async () => {
  const tenant = await createTenant(poort);
  await setPolicy(poort, tenant.organisationId, { twoFactor: 'required' });
  const { secret } = await enrolTotp(poort, tenant);
  const { login } = await loginWithCode(poort, tenant, () => totpNow(poort, secret));
  const page = await accountPage(poort, login.agent);
  expect(isAccountPage(page)).toBe(true);
  expect(page.body).toContain(message('account.twoFactor.onApp'));
  expect(page.body).not.toContain(`action="${ACCOUNT}/disable"`);
  clock.advance(30);
  const csrf = /name="csrf" value="([^"]*)"/.exec(page.body)?.[1] ?? '';
  const forged = await login.agent.request(`${poort.issuer}${ACCOUNT}/disable`, { form: { csrf, password: tenant.password, code: totpNow(poort, secret) } });
  expect(forged.status).toBe(403);
  expect(forged.body).toContain(message('account.notAllowed'));
  expect((await poort.container.secondFactors.get(tenant.accountId))?.method).toBe('totp');
  expect(notices(poort, tenant.email, 'twoFactorDisabled')).toHaveLength(0);
});

test('optional, SMS: "send me a code" on the page sends the code that switches it off', async () => {
  const tenant = await createTenant(poort);
  const phone = '+31611122233';
  await enrolSms(poort, tenant, phone);
  const { login } = await loginWithCode(poort, tenant, () => outboxSmsCode(poort, phone) ?? '');
  const page = await accountPage(poort, login.agent);
  expect(page.body).toContain(message('account.code.send'));
  const loginCode = outboxSmsCode(poort, phone);
  // The login's code was spent; one sent for this page is needed.
  const spent = await postAccount(poort, login.agent, page, '/disable', { password: tenant.password, code: loginCode ?? '' });
  expect(alerts(spent)).toEqual([message('code.invalid')]);
  await expireSmsInterval(poort);
  const sent = await postAccount(poort, login.agent, page, '/send-code', { section: 'disable' });
  expect(sent.url).toBe(`${poort.issuer}${ACCOUNT}#disable`);
  expect(notes(sent)).toEqual([message('code.resent')]);
  const code = outboxSmsCode(poort, phone);
  expect(code).not.toBe(loginCode);
  const done = await postAccount(poort, login.agent, sent, '/disable', { password: tenant.password, code: code ?? '' });
  expect(notes(done)).toEqual([message('account.saved.disabled')]);
  expect(await poort.container.secondFactors.get(tenant.accountId)).toBeUndefined();
});
