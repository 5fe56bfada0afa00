/**
 * Setting up two-step login on the account page (DESIGN §5 "enable 2FA": password again, and the first code proves
 * the set-up): app (QR + key) or SMS (+ phone), recovery codes shown once, a notice e-mail, an audit event without
 * secrets, and from then on a login asks the code.
 */
import { ACCOUNT, accountPage, alerts, auditEvents, isAccountPage, loginPasswordOnly, message, notes, notices, postAccount, shownCodes, shownSecret } from '../../support/account.ts';
import { createClock } from '../../support/clock.ts';
import { createTenant, startPoort, type TestPoort } from '../../support/poort.ts';
import { callbackOf, expireSmsInterval, idTokenOf, isCodePage, outboxSmsCode, passwordStep, postCode, totpNow } from '../../support/two-factor.ts';

let poort: TestPoort;
const clock = createClock();

beforeAll(async () => {
  poort = await startPoort('account-enable', {}, { now: clock.now });
});
afterAll(async () => {
  await poort.close();
});

test('enable the app: wrong password and wrong code refused; the right ones turn it on, codes shown once, next login asks the code', async () => {
  const tenant = await createTenant(poort);
  const agent = await loginPasswordOnly(poort, tenant);
  const page = await accountPage(poort, agent);
  expect(page.body).toContain(message('account.twoFactor.off'));
  const choose = await accountPage(poort, agent, '/enrol');
  expect(choose.body).toContain('name="password"');
  expect(choose.body).toContain('name="method"');

  const wrongPassword = await postAccount(poort, agent, choose, '/enrol/start', { password: 'not the password!', method: 'totp' });
  expect(alerts(wrongPassword)).toEqual([message('account.passwordIncorrect')]);
  expect(wrongPassword.body).not.toContain('id="secret"');
  const missingPassword = await postAccount(poort, agent, choose, '/enrol/start', { method: 'totp' });
  expect(alerts(missingPassword)).toEqual([message('account.passwordIncorrect')]);

  const setup = await postAccount(poort, agent, choose, '/enrol/start', { password: tenant.password, method: 'totp' });
  const secret = shownSecret(setup);
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  expect(setup.body).toContain('src="data:image/png;base64,');
  expect(setup.url).toBe(`${poort.issuer}${ACCOUNT}/enrol`);
  // Nothing is on yet: a login now asks no code.
  expect(await poort.container.secondFactors.get(tenant.accountId)).toBeUndefined();

  const wrongCode = await postAccount(poort, agent, setup, '/enrol/verify', { code: totpNow(poort, secret, 300) });
  expect(alerts(wrongCode)).toEqual([message('code.invalid')]);
  expect(shownSecret(wrongCode)).toBe(secret);

  const codesPage = await postAccount(poort, agent, wrongCode, '/enrol/verify', { code: totpNow(poort, secret) });
  const codes = shownCodes(codesPage);
  expect(codes).toHaveLength(6);
  expect(codesPage.body).toContain('download="recovery-codes.txt"');
  expect(codesPage.body).toContain(`href="data:text/plain;charset=utf-8,${encodeURIComponent(codes.join('\r\n') + '\r\n')}"`);
  const done = await postAccount(poort, agent, codesPage, '/enrol/done');
  expect(isAccountPage(done)).toBe(true);
  expect(notes(done)).toEqual([message('account.saved.enabled')]);
  expect(done.body).toContain(message('account.twoFactor.onApp'));
  // Shown once: the set-up page no longer has them.
  expect(shownCodes(await accountPage(poort, agent, '/enrol'))).toEqual([]);

  const [notice] = notices(poort, tenant.email, 'twoFactorEnabled');
  expect(notice?.text).toContain('(authenticator app)');
  const [event] = await auditEvents(poort, tenant.accountId, 'two_factor.enabled');
  expect(event?.data).toEqual({ method: 'totp' });
  expect(JSON.stringify(event)).not.toContain(secret);

  // The next login asks the code; the app's code (a later time step) completes it.
  const next = await passwordStep(poort, tenant);
  expect(isCodePage(next.step)).toBe(true);
  clock.advance(30);
  const claims = await idTokenOf(next, callbackOf(await postCode(poort, next, totpNow(poort, secret)), tenant));
  expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  // A recovery code shown on the page works too.
  const withRecovery = await passwordStep(poort, tenant);
  await idTokenOf(withRecovery, callbackOf(await postCode(poort, withRecovery, codes[0] ?? '', 'recovery'), tenant));
});

test('enable SMS: an invalid phone is refused; the code sent to the number turns it on and the number is shown masked', async () => {
  const tenant = await createTenant(poort);
  const agent = await loginPasswordOnly(poort, tenant);
  const choose = await accountPage(poort, agent, '/enrol');
  const badPhone = await postAccount(poort, agent, choose, '/enrol/start', { password: tenant.password, method: 'sms', phone: '12' });
  expect(alerts(badPhone)).toEqual([message('enrol.phoneInvalid')]);

  const phone = '+31612345678';
  const setup = await postAccount(poort, agent, choose, '/enrol/start', { password: tenant.password, method: 'sms', phone: '06 12345678' });
  expect(setup.body).toContain('+31 •••••••78');
  const code = outboxSmsCode(poort, phone);
  expect(code).toMatch(/^\d{6}$/);
  const wrong = await postAccount(poort, agent, setup, '/enrol/verify', { code: code === '000000' ? '111111' : '000000' });
  expect(alerts(wrong)).toEqual([message('code.invalid')]);
  const codesPage = await postAccount(poort, agent, wrong, '/enrol/verify', { code: code ?? '' });
  expect(shownCodes(codesPage)).toHaveLength(6);
  const done = await postAccount(poort, agent, codesPage, '/enrol/done');
  expect(done.body).toContain(message('account.twoFactor.onSms', { phone: '+31 •••••••78' }));
  expect(notices(poort, tenant.email, 'twoFactorEnabled')).toHaveLength(1);

  // The next login sends an SMS and asks its code.
  await expireSmsInterval(poort);
  const next = await passwordStep(poort, tenant);
  expect(isCodePage(next.step)).toBe(true);
  const loginCode = outboxSmsCode(poort, phone);
  expect(loginCode).not.toBe(code);
  await idTokenOf(next, callbackOf(await postCode(poort, next, loginCode ?? ''), tenant));
});

test('an organisation that allows only the app offers only the app; a forged SMS choice is refused', async () => {
  const tenant = await createTenant(poort);
  await poort.container.models.Organisation.updateOne({ _id: tenant.organisationId }, { $set: { allowedMethods: ['totp'] } });
  const agent = await loginPasswordOnly(poort, tenant);
  const choose = await accountPage(poort, agent, '/enrol');
  expect(choose.body).toContain('value="totp"');
  expect(choose.body).not.toContain('value="sms"');
  const forged = await postAccount(poort, agent, choose, '/enrol/start', { password: tenant.password, method: 'sms', phone: '+31612345679' });
  expect(alerts(forged)).toEqual([message('enrol.chooseMethod')]);
  expect(await poort.container.secondFactors.get(tenant.accountId)).toBeUndefined();
});
