/**
 * Forgot password with two-step login on (DESIGN §5: "forgot password (e-mail link): code (if 2FA on) before the new
 * password is accepted"): the link first asks the code — the app's, the SMS (sent when the page is first shown, with
 * "send a new code") or a recovery code — and only then the new password. The e-mail alone never sets a password.
 */
import { maskPhone } from '../../../src/auth/factors/phone.ts';
import { alerts, auditEvents, message, notices } from '../../support/account.ts';
import { Agent } from '../../support/browser.ts';
import { createClock } from '../../support/clock.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { freshLink, isCodeForm, isPasswordForm, postLink } from '../../support/password-reset.ts';
import { attempt, openLogin } from '../../support/security.ts';
import {
  authorizeAgain, enrolSms, enrolTotp, expireSmsInterval, hasPasswordField, isCodePage, loginWithCode, outboxSmsCode, passwordStep, setPolicy, totpNow,
} from '../../support/two-factor.ts';

let poort: TestPoort;
const clock = createClock();
const fresh = 'My new and better passphrase!';

beforeAll(async () => {
  poort = await startPoort('forgot-two-factor', {}, { now: clock.now });
});
afterAll(async () => {
  await poort.close();
});

/** The password is unchanged: the old one passes the password step (the code page follows), the new one fails. */
async function expectPasswordUnchanged(tenant: Tenant): Promise<void> {
  expect(isCodePage((await passwordStep(poort, tenant)).step)).toBe(true);
  expect((await attempt(await openLogin(poort, tenant), tenant.email, fresh)).verdict).toBe('failed');
}

const wrongCode = (code: string): string => (code === '000000' ? '111111' : '000000');

test('§5 forgot password: the code is asked before the new password is accepted', async () => {
  const tenant = await createTenant(poort);
  const { secret } = await enrolTotp(poort, tenant);
  const other = await loginWithCode(poort, tenant, () => totpNow(poort, secret));
  clock.advance(30);
  const link = await freshLink(poort, tenant);
  const browser = new Agent();
  const page = await browser.follow(link, poort.issuer);
  expect(isCodeForm(page)).toBe(true);
  expect(hasPasswordField(page)).toBe(false);
  expect(page.body).toContain(message('code.intro.totp'));

  // A forged POST of the password form, without the code step: refused, back to the code, the password unchanged.
  const forged = await postLink(poort, browser, link, page, '', { password: fresh, confirm: fresh });
  expect(isCodeForm(forged.page)).toBe(true);
  expect(alerts(forged.page)).toEqual([message('account.codeFirst')]);
  await expectPasswordUnchanged(tenant);

  // A wrong code is refused; the page still asks the code.
  const wrong = await postLink(poort, browser, link, page, '/code', { kind: 'code', code: wrongCode(totpNow(poort, secret)) });
  expect(isCodeForm(wrong.page)).toBe(true);
  expect(alerts(wrong.page)).toEqual([message('code.invalid')]);
  expect(await auditEvents(poort, tenant.accountId, 'password_reset.second_factor_failed')).toHaveLength(1);

  // The right code from the app: now the new password form.
  const verified = await postLink(poort, browser, link, page, '/code', { kind: 'code', code: totpNow(poort, secret) });
  expect(isPasswordForm(verified.page)).toBe(true);
  const done = await postLink(poort, browser, link, verified.page, '', { password: fresh, confirm: fresh });
  expect(done.page.body).toContain(message('reset.done.body'));

  // The old password no longer logs in; the new one does, and two-step login is still on.
  expect((await attempt(await openLogin(poort, tenant), tenant.email, tenant.password)).verdict).toBe('failed');
  clock.advance(30);
  const after = await loginWithCode(poort, { ...tenant, password: fresh }, () => totpNow(poort, secret));
  expect(after.claims.acr).toBe('urn:poort:acr:mfa');
  // The browser logged in before the reset is logged out.
  const again = await authorizeAgain(poort, tenant, other.login.agent);
  expect(again.page.body).toContain(`action="/interaction/${again.login.uid}/login"`);
  expect(notices(poort, tenant.email, 'passwordChanged')).toHaveLength(1);
  const [event] = await auditEvents(poort, tenant.accountId, 'password.reset');
  expect(event?.data).toMatchObject({ codeChecked: true });
});

test('a recovery code instead of the app: then the new password; the notice tells how many codes remain', async () => {
  const tenant = await createTenant(poort);
  const { recoveryCodes } = await enrolTotp(poort, tenant);
  const link = await freshLink(poort, tenant);
  const browser = new Agent();
  const page = await browser.follow(`${link}?use=recovery`, poort.issuer);
  expect(page.body).toContain(message('recovery.intro'));
  expect(page.body).toContain('name="kind" value="recovery"');
  const wrong = await postLink(poort, browser, link, page, '/code', { kind: 'recovery', code: 'AAAAA-AAAAA' });
  expect(wrong.posted.location).toBe(`${link}?use=recovery`);
  expect(alerts(wrong.page)).toEqual([message('code.invalid')]);
  const verified = await postLink(poort, browser, link, page, '/code', { kind: 'recovery', code: recoveryCodes[0] ?? '' });
  expect(isPasswordForm(verified.page)).toBe(true);
  expect(notices(poort, tenant.email, 'recoveryCodeUsed')[0]?.text).toContain('5 recovery codes remain');
  const done = await postLink(poort, browser, link, verified.page, '', { password: fresh, confirm: fresh });
  expect(done.page.body).toContain(message('reset.done.body'));
  expect((await attempt(await openLogin(poort, tenant), tenant.email, tenant.password)).verdict).toBe('failed');
  expect(isCodePage((await passwordStep(poort, { ...tenant, password: fresh })).step)).toBe(true);
});

test('SMS: the code is sent when the page is first shown (not again on reload), "send a new code" sends another', async () => {
  const tenant = await createTenant(poort);
  const phone = '+31612345678';
  await enrolSms(poort, tenant, phone);
  const smsCount = (): number => (poort.container.outbox?.list() ?? []).filter((m) => m.kind === 'sms' && m.to === phone).length;
  const before = smsCount();
  const link = await freshLink(poort, tenant);
  expect(smsCount()).toBe(before);
  const browser = new Agent();
  const page = await browser.follow(link, poort.issuer);
  expect(isCodeForm(page)).toBe(true);
  expect(page.body).toContain(maskPhone(phone));
  expect(smsCount()).toBe(before + 1);
  expect(outboxSmsCode(poort, phone)).toMatch(/^\d{6}$/);
  expect((poort.container.outbox?.list() ?? []).find((m) => m.kind === 'sms')?.purpose).toBe('reset');
  await browser.follow(link, poort.issuer);
  expect(smsCount()).toBe(before + 1);

  await expireSmsInterval(poort);
  const resent = await postLink(poort, browser, link, page, '/resend', {});
  expect(resent.page.body).toContain(message('code.resent'));
  expect(smsCount()).toBe(before + 2);
  const second = outboxSmsCode(poort, phone) ?? '';
  expect(second).toMatch(/^\d{6}$/);
  const verified = await postLink(poort, browser, link, page, '/code', { kind: 'code', code: second });
  expect(isPasswordForm(verified.page)).toBe(true);
  const done = await postLink(poort, browser, link, verified.page, '', { password: fresh, confirm: fresh });
  expect(done.page.body).toContain(message('reset.done.body'));
});

test('a code given for one link does not open another; the organisation\'s policy off asks no code', async () => {
  const tenant = await createTenant(poort);
  const { secret } = await enrolTotp(poort, tenant);
  const first = await freshLink(poort, tenant);
  const browser = new Agent();
  const page = await browser.follow(first, poort.issuer);
  clock.advance(30);
  expect(isPasswordForm((await postLink(poort, browser, first, page, '/code', { kind: 'code', code: totpNow(poort, secret) })).page)).toBe(true);
  // A newer link replaces it, and asks the code again.
  const second = await freshLink(poort, tenant);
  expect(isCodeForm(await browser.follow(second, poort.issuer))).toBe(true);

  await setPolicy(poort, tenant.organisationId, { twoFactor: 'off' });
  const page2 = await browser.follow(second, poort.issuer);
  expect(isPasswordForm(page2)).toBe(true);
  const done = await postLink(poort, browser, second, page2, '', { password: fresh, confirm: fresh });
  expect(done.page.body).toContain(message('reset.done.body'));
  const [event] = await auditEvents(poort, tenant.accountId, 'password.reset');
  expect(event?.data).toMatchObject({ codeChecked: false });
});
