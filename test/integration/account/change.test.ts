/**
 * Changing two-step login settings on the account page (DESIGN §5 "change 2FA settings": password, and the new
 * method's code): a new method or phone number keeps the recovery codes; the code validity is one of the
 * organisation's choices and decides when a next authorization asks the code again.
 */
import { ACCOUNT, accountPage, alerts, auditEvents, isAccountPage, message, notes, notices, postAccount, shownCodes } from '../../support/account.ts';
import { createClock } from '../../support/clock.ts';
import { createTenant, startPoort, type TestPoort } from '../../support/poort.ts';
import {
  authorizeAgain, callbackOf, enrolTotp, expireSmsInterval, idTokenOf, isCodePage, loginWithCode, outboxSmsCode, passwordStep, postCode, setPolicy, totpNow,
} from '../../support/two-factor.ts';

let poort: TestPoort;
const clock = createClock();

beforeAll(async () => {
  poort = await startPoort('account-change', {}, { now: clock.now });
});
afterAll(async () => {
  await poort.close();
});

test('change from the app to SMS: password and the new code are asked; recovery codes stay; the next login asks the SMS code', async () => {
  const tenant = await createTenant(poort);
  const { secret, recoveryCodes } = await enrolTotp(poort, tenant);
  const { login } = await loginWithCode(poort, tenant, () => totpNow(poort, secret));
  const agent = login.agent;
  const page = await accountPage(poort, agent);
  expect(page.body).toContain(`href="${ACCOUNT}/enrol"`);
  const choose = await accountPage(poort, agent, '/enrol');
  expect(choose.body).toContain(message('account.change.title'));

  const phone = '+31687654321';
  const wrongPassword = await postAccount(poort, agent, choose, '/enrol/start', { password: `${tenant.password}x`, method: 'sms', phone });
  expect(alerts(wrongPassword)).toEqual([message('account.passwordIncorrect')]);
  expect(outboxSmsCode(poort, phone)).toBeUndefined();

  const setup = await postAccount(poort, agent, choose, '/enrol/start', { password: tenant.password, method: 'sms', phone });
  const code = outboxSmsCode(poort, phone) ?? '';
  // Until the new code is entered the app stays the factor.
  expect((await poort.container.secondFactors.get(tenant.accountId))?.method).toBe('totp');
  const wrongCode = await postAccount(poort, agent, setup, '/enrol/verify', { code: code === '000000' ? '111111' : '000000' });
  expect(alerts(wrongCode)).toEqual([message('code.invalid')]);
  // The old method's code is not the new method's code.
  clock.advance(30);
  const oldMethod = await postAccount(poort, agent, wrongCode, '/enrol/verify', { code: totpNow(poort, secret) });
  expect(alerts(oldMethod)).toEqual([message('code.invalid')]);

  const done = await postAccount(poort, agent, oldMethod, '/enrol/verify', { code });
  expect(isAccountPage(done)).toBe(true);
  expect(shownCodes(done)).toEqual([]);
  expect(notes(done)).toEqual([message('account.saved.changed')]);
  expect(done.body).toContain(message('account.twoFactor.onSms', { phone: '+31 •••••••21' }));
  expect(done.body).toContain(message('account.recovery.remaining', { count: 6 }));
  expect(notices(poort, tenant.email, 'twoFactorChanged')).toHaveLength(1);
  expect((await auditEvents(poort, tenant.accountId, 'two_factor.changed')).map((e) => e.data)).toEqual([{ method: 'sms' }]);

  // The next login asks the SMS code; the app's code no longer works; the old recovery codes still do.
  await expireSmsInterval(poort);
  const next = await passwordStep(poort, tenant);
  expect(isCodePage(next.step)).toBe(true);
  clock.advance(30);
  expect(alerts(await postCode(poort, next, totpNow(poort, secret)))).toEqual([message('code.invalid')]);
  const claims = await idTokenOf(next, callbackOf(await postCode(poort, next, outboxSmsCode(poort, phone) ?? ''), tenant));
  expect(claims.amr).toEqual(['pwd', 'sms', 'mfa']);
  const withRecovery = await passwordStep(poort, tenant);
  await idTokenOf(withRecovery, callbackOf(await postCode(poort, withRecovery, recoveryCodes[0] ?? '', 'recovery'), tenant));
});

test('code validity: password asked, only the organisation\'s choices; the choice decides when the code is asked again', async () => {
  const tenant = await createTenant(poort);
  // Activity does not interfere here: only the code validity (and the 12 h session age) apply.
  await setPolicy(poort, tenant.organisationId, { inactivityTimeout: 24 * 3600 });
  const { secret } = await enrolTotp(poort, tenant);
  const { login } = await loginWithCode(poort, tenant, () => totpNow(poort, secret));
  const agent = login.agent;
  const page = await accountPage(poort, agent);
  for (const hours of [1, 4, 8, 12]) expect(page.body).toContain(`value="${hours * 3600}"`);
  expect(page.body).toMatch(/value="3600"[^>]*checked/);

  const wrongPassword = await postAccount(poort, agent, page, '/code-validity', { password: 'wrong password!', validity: String(4 * 3600) });
  expect(alerts(wrongPassword)).toEqual([message('account.passwordIncorrect')]);
  const notAChoice = await postAccount(poort, agent, page, '/code-validity', { password: tenant.password, validity: String(30 * 24 * 3600) });
  expect(alerts(notAChoice)).toEqual([message('account.validity.invalid')]);
  const garbage = await postAccount(poort, agent, page, '/code-validity', { password: tenant.password, validity: 'soon' });
  expect(alerts(garbage)).toEqual([message('account.validity.invalid')]);
  expect((await poort.container.secondFactors.get(tenant.accountId))?.codeValidity).toBeUndefined();

  const saved = await postAccount(poort, agent, page, '/code-validity', { password: tenant.password, validity: String(4 * 3600) });
  expect(notes(saved)).toEqual([message('account.saved.validity')]);
  expect(saved.body).toMatch(new RegExp(`value="${4 * 3600}"[^>]*checked`));
  expect(notices(poort, tenant.email, 'twoFactorChanged')).toHaveLength(1);
  expect((await auditEvents(poort, tenant.accountId, 'two_factor.code_validity_changed')).map((e) => e.data)).toEqual([{ seconds: 4 * 3600 }]);

  // 3 hours on (past the default hour, within the chosen 4): the platform gets a login without a code.
  clock.advance(3 * 3600);
  const within = await authorizeAgain(poort, tenant, agent);
  expect(within.page.location?.startsWith(tenant.redirectUri)).toBe(true);
  // 4 hours and a bit after the code: the code is asked again (code only, no password).
  clock.advance(3600 + 60);
  const past = await authorizeAgain(poort, tenant, agent);
  expect(isCodePage(past.page)).toBe(true);
});

test('the code validity of an account with the default is the organisation\'s default: past it the code is asked again', async () => {
  const tenant = await createTenant(poort);
  await setPolicy(poort, tenant.organisationId, { inactivityTimeout: 24 * 3600 });
  const { secret } = await enrolTotp(poort, tenant);
  const { login } = await loginWithCode(poort, tenant, () => totpNow(poort, secret));
  clock.advance(3600 + 60);
  expect(isCodePage((await authorizeAgain(poort, tenant, login.agent)).page)).toBe(true);
});
