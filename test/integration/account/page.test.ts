/**
 * The account security page: who may use it (the person logged in at Poort), its session timers (the code is asked
 * again after its validity and after inactivity; every use counts as activity), CSRF, and what the policy shows.
 */
import { en } from '../../../src/i18n/en.ts';
import { nl } from '../../../src/i18n/nl.ts';
import { ACCOUNT, accountPage, alerts, isAccountPage, isCodeStep, loginPasswordOnly, message, notices, postAccount } from '../../support/account.ts';
import { Agent } from '../../support/browser.ts';
import { createClock } from '../../support/clock.ts';
import { createTenant, startPoort, type TestPoort } from '../../support/poort.ts';
import {
  codeMessage, enrolSms, enrolTotp, loginWithCode, outboxSmsCode, passwordStep, postCode, setPolicy, totpNow,
} from '../../support/two-factor.ts';

let poort: TestPoort;
const clock = createClock();

beforeAll(async () => {
  poort = await startPoort('account-page', {}, { now: clock.now });
});
afterAll(async () => {
  await poort.close();
});

test('without a session the page says to log in through the platform first (en and nl), with no form', async () => {
  const page = await accountPage(poort, new Agent());
  expect(page.status).toBe(200);
  expect(page.body).toContain(en['account.noSession.how']);
  expect(page.body).not.toContain('<form');
  expect(page.headers.get('cache-control')).toBe('no-store');
  const dutch = await accountPage(poort, new Agent({ headers: { 'accept-language': 'nl' } }));
  expect(dutch.body).toContain(nl['account.noSession.how']);
  // A form posted without a session (CSRF token right: the one in the browser's cookie) changes nothing and lands
  // on the same note.
  const agent = new Agent();
  await accountPage(poort, agent);
  const csrf = /(?:^|; )poort\.csrf=([^;]+)/.exec(agent.cookieHeader())?.[1] ?? '';
  expect(csrf).toMatch(/^[\w-]{43}$/);
  const posted = await agent.request(`${poort.issuer}${ACCOUNT}/password`, { form: { csrf, current: 'x', password: 'A brand new password!', confirm: 'A brand new password!' } });
  expect(posted.status).toBe(303);
  const after = await agent.follow(posted.location ?? '', poort.issuer);
  expect(after.body).toContain(en['account.noSession.how']);
});

test('a POST without or with a wrong CSRF token is refused with 403 and changes nothing', async () => {
  const tenant = await createTenant(poort);
  const agent = await loginPasswordOnly(poort, tenant);
  const page = await accountPage(poort, agent);
  expect(isAccountPage(page)).toBe(true);
  const fields = { current: tenant.password, password: 'A brand new password!', confirm: 'A brand new password!' };
  for (const csrf of [undefined, 'x'.repeat(43)]) {
    const refused = await agent.request(`${poort.issuer}${ACCOUNT}/password`, { form: csrf === undefined ? fields : { ...fields, csrf } });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain(en['error.csrf']);
  }
  // The old password still logs in.
  await loginPasswordOnly(poort, tenant);
});

test('policy off: no second-factor section and no code asked, only the password change; forged 2FA forms get 403', async () => {
  const tenant = await createTenant(poort);
  await setPolicy(poort, tenant.organisationId, { twoFactor: 'off' });
  const agent = await loginPasswordOnly(poort, tenant);
  const page = await accountPage(poort, agent);
  expect(isAccountPage(page)).toBe(true);
  expect(page.body).not.toContain('id="two-factor"');
  expect(page.body).not.toContain(`${ACCOUNT}/enrol`);
  expect(page.body).not.toContain('name="code"');
  for (const path of ['/enrol/start', '/recovery-codes', '/code-validity', '/disable']) {
    const forged = await agent.request(`${poort.issuer}${ACCOUNT}${path}`, { form: { csrf: /name="csrf" value="([^"]*)"/.exec(page.body)?.[1] ?? '', password: tenant.password, method: 'totp', validity: '3600', code: '123456' } });
    expect(forged.status).toBe(403);
    expect(forged.body).toContain(message('account.notAllowed'));
  }
  expect(await poort.container.secondFactors.get(tenant.accountId)).toBeUndefined();
});

test('the code is asked again after inactivity and after its validity; every use of the page is activity', async () => {
  const tenant = await createTenant(poort);
  const { secret } = await enrolTotp(poort, tenant);
  await poort.container.secondFactors.setCodeValidity(tenant.accountId, 12 * 3600);
  const { login } = await loginWithCode(poort, tenant, () => totpNow(poort, secret));
  const agent = login.agent;
  expect(isAccountPage(await accountPage(poort, agent))).toBe(true);
  // 50 minutes, a use, 50 more minutes: 100 minutes since the login, but only 50 since the last activity.
  clock.advance(50 * 60);
  expect(isAccountPage(await accountPage(poort, agent))).toBe(true);
  clock.advance(50 * 60);
  expect(isAccountPage(await accountPage(poort, agent))).toBe(true);
  // An hour and a minute without activity: the code first.
  clock.advance(61 * 60);
  const step = await accountPage(poort, agent);
  expect(isCodeStep(step)).toBe(true);
  expect(step.body).not.toContain('name="password"');
  // The forms cannot be used meanwhile.
  const early = await postAccount(poort, agent, step, '/recovery-codes', { password: tenant.password });
  expect(isCodeStep(early)).toBe(true);
  expect(alerts(early)).toEqual([message('account.codeFirst')]);
  const wrong = await postAccount(poort, agent, step, '/verify', { kind: 'code', code: '000000' });
  expect(isCodeStep(wrong)).toBe(true);
  expect(alerts(wrong)).toEqual([message('code.invalid')]);
  const right = await postAccount(poort, agent, wrong, '/verify', { kind: 'code', code: totpNow(poort, secret) });
  expect(isAccountPage(right)).toBe(true);
  // Back to the organisation's default validity (1 h): used every 40 minutes, the code still lapses after an hour.
  await poort.container.secondFactors.setCodeValidity(tenant.accountId, 3600);
  clock.advance(40 * 60);
  expect(isAccountPage(await accountPage(poort, agent))).toBe(true);
  clock.advance(40 * 60);
  expect(isCodeStep(await accountPage(poort, agent))).toBe(true);
});

test('a password-only session of an account with a factor is asked a code first; a recovery code does too', async () => {
  const tenant = await createTenant(poort);
  const agent = await loginPasswordOnly(poort, tenant);
  const { recoveryCodes } = await enrolTotp(poort, tenant);
  const step = await accountPage(poort, agent);
  expect(isCodeStep(step)).toBe(true);
  const recovery = await accountPage(poort, agent, '?use=recovery');
  expect(recovery.body).toContain('name="kind" value="recovery"');
  const used = await postAccount(poort, agent, recovery, '/verify', { kind: 'recovery', code: recoveryCodes[0] ?? '' });
  expect(isAccountPage(used)).toBe(true);
  expect(used.body).toContain(message('account.recovery.remaining', { count: 5 }));
  expect(notices(poort, tenant.email, 'recoveryCodeUsed')).toHaveLength(1);
  // The spent code does not work a second time.
  const again = await passwordStep(poort, tenant);
  expect(codeMessage(await postCode(poort, again, recoveryCodes[0] ?? '', 'recovery'))).toBe('invalid');
});

test('the status names the method and warns when 2 or fewer recovery codes remain', async () => {
  const tenant = await createTenant(poort);
  const { secret, recoveryCodes } = await enrolTotp(poort, tenant);
  for (const code of recoveryCodes.slice(0, 4)) {
    expect((await poort.container.secondFactors.verify(tenant.accountId, 'recovery', code, '127.0.0.3', { kind: 'account', id: 'test' })).ok).toBe(true);
  }
  const { login } = await loginWithCode(poort, tenant, () => totpNow(poort, secret));
  const page = await accountPage(poort, login.agent);
  expect(page.body).toContain(message('account.twoFactor.onApp'));
  expect(page.body).toContain(message('account.recovery.low', { count: 2 }));
  expect(page.body).toContain(`action="${ACCOUNT}/disable"`);
});

test('an SMS account whose code is due gets a text message with the code for the page', async () => {
  const tenant = await createTenant(poort);
  const agent = await loginPasswordOnly(poort, tenant);
  const phone = '+31655544433';
  await enrolSms(poort, tenant, phone);
  const enrolCode = outboxSmsCode(poort, phone);
  const step = await accountPage(poort, agent);
  expect(isCodeStep(step)).toBe(true);
  expect(step.body).toContain(message('code.intro.sms', { phone: '+31 •••••••33' }));
  const code = outboxSmsCode(poort, phone);
  expect(code).not.toBe(enrolCode);
  // Showing the step again sends no second message.
  await accountPage(poort, agent);
  expect(poort.container.outbox?.list().filter((m) => m.to === phone)).toHaveLength(2);
  expect(isAccountPage(await postAccount(poort, agent, step, '/verify', { kind: 'code', code: code ?? '' }))).toBe(true);
});

test('bad input on any form gets a message on the page, never a server error', async () => {
  const tenant = await createTenant(poort);
  const { secret } = await enrolTotp(poort, tenant);
  const { login } = await loginWithCode(poort, tenant, () => totpNow(poort, secret));
  const agent = login.agent;
  const page = await accountPage(poort, agent);
  const long = 'x'.repeat(5000);
  const odd = { password: long, current: long, confirm: '', code: long, kind: 'other', method: 'fax', phone: long, validity: '-1', section: '<script>' };
  for (const path of ['/verify', '/send-code', '/enrol/start', '/enrol/verify', '/enrol/done', '/enrol/restart', '/recovery-codes', '/recovery-codes/done', '/code-validity', '/disable', '/password']) {
    const after = await postAccount(poort, agent, page, path, odd);
    expect(after.status).toBe(200);
    expect(after.body).not.toContain('<script>');
  }
  // The factor and the password are unchanged.
  expect((await poort.container.secondFactors.get(tenant.accountId))?.method).toBe('totp');
  expect(isAccountPage(await accountPage(poort, agent))).toBe(true);
});
