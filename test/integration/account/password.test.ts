/**
 * Changing the password on the account page (DESIGN §5: current password, and the code when two-step login is on;
 * the password rules apply): afterwards the old password no longer logs in, every other session of the account has
 * ended (with its tokens), this browser stays logged in, and the person gets a notice.
 */
import { ACCOUNT, accountPage, alerts, auditEvents, isAccountPage, loginPasswordOnly, message, notes, notices, postAccount } from '../../support/account.ts';
import { Agent } from '../../support/browser.ts';
import { createClock } from '../../support/clock.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { exchange } from '../../support/rp.ts';
import { attempt, openLogin } from '../../support/security.ts';
import { authorizeAgain, callbackOf, enrolTotp, isCodePage, passwordStep, postCode, totpNow } from '../../support/two-factor.ts';

let poort: TestPoort;
const clock = createClock();

beforeAll(async () => {
  poort = await startPoort('account-password', {}, { now: clock.now });
});
afterAll(async () => {
  await poort.close();
});

/** A login with password and the app's code on a new browser; answers the browser and its access token. */
async function loginBrowser(tenant: Tenant, secret: string): Promise<{ agent: Agent; accessToken: string }> {
  const login = await passwordStep(poort, tenant);
  if (!isCodePage(login.step)) throw new Error('expected the code page');
  const tokens = await exchange(login.config, callbackOf(await postCode(poort, login, totpNow(poort, secret)), tenant), login.request);
  return { agent: login.agent, accessToken: tokens.access_token };
}

async function userinfoStatus(accessToken: string): Promise<number> {
  return (await fetch(`${poort.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

test('with 2FA: wrong password, missing or wrong code, mismatch and weak passwords refused; the change ends the other sessions', async () => {
  const tenant = await createTenant(poort);
  const { secret } = await enrolTotp(poort, tenant);
  const mine = await loginBrowser(tenant, secret);
  clock.advance(30);
  const other = await loginBrowser(tenant, secret);
  expect(isAccountPage(await accountPage(poort, other.agent))).toBe(true);
  const page = await accountPage(poort, mine.agent);
  expect(page.body).toContain('id="password-code"');
  clock.advance(30);

  const fresh = 'Another good passphrase!';
  const refusals: Array<[Record<string, string>, string[]]> = [
    [{ current: 'Not my password!', code: totpNow(poort, secret), password: fresh, confirm: fresh }, [message('account.passwordIncorrect')]],
    [{ current: tenant.password, password: fresh, confirm: fresh }, [message('code.invalid')]],
    [{ current: tenant.password, code: totpNow(poort, secret) === '000000' ? '111111' : '000000', password: fresh, confirm: fresh }, [message('code.invalid')]],
    [{ current: tenant.password, code: totpNow(poort, secret), password: fresh, confirm: `${fresh}?` }, [message('account.password.mismatch')]],
    [{ current: tenant.password, code: totpNow(poort, secret), password: 'short!', confirm: 'short!' }, [message('password.tooShort', { min: 12 })]],
    [{ current: tenant.password, code: totpNow(poort, secret), password: 'twelveletters42', confirm: 'twelveletters42' }, [message('password.noSpecial')]],
  ];
  for (const [fields, expected] of refusals) {
    const refused = await postAccount(poort, mine.agent, page, '/password', fields);
    expect(alerts(refused)).toEqual(expected);
  }
  expect(notices(poort, tenant.email, 'passwordChanged')).toHaveLength(0);
  expect(isAccountPage(await accountPage(poort, other.agent))).toBe(true);

  const changed = await postAccount(poort, mine.agent, page, '/password', { current: tenant.password, code: totpNow(poort, secret), password: fresh, confirm: fresh });
  expect(isAccountPage(changed)).toBe(true);
  expect(notes(changed)).toEqual([message('account.saved.password')]);
  expect(notices(poort, tenant.email, 'passwordChanged')).toHaveLength(1);
  expect((await auditEvents(poort, tenant.accountId, 'password.changed')).map((e) => e.data)).toEqual([{ sessionsEnded: 1, grantsRevoked: 1 }]);

  // This browser stays logged in, its code still fresh; its platform token keeps working.
  expect(isAccountPage(await accountPage(poort, mine.agent))).toBe(true);
  expect(await userinfoStatus(mine.accessToken)).toBe(200);
  // The other browser is logged out: the page sends it to the platform, a new authorization gets the login page,
  // and the token issued to it no longer works.
  expect((await accountPage(poort, other.agent)).body).toContain(message('account.noSession.how'));
  const again = await authorizeAgain(poort, tenant, other.agent);
  expect(again.page.body).toContain(`action="/interaction/${again.login.uid}/login"`);
  expect(await userinfoStatus(other.accessToken)).toBe(401);

  // The old password no longer logs in; the new one does (and then asks the code).
  expect((await attempt(await openLogin(poort, tenant), tenant.email, tenant.password)).verdict).toBe('failed');
  const withNew = await passwordStep(poort, { ...tenant, password: fresh });
  expect(isCodePage(withNew.step)).toBe(true);
});

test('without 2FA no code is asked; the new password works and the old one does not', async () => {
  const tenant = await createTenant(poort);
  const agent = await loginPasswordOnly(poort, tenant);
  const page = await accountPage(poort, agent);
  expect(page.body).not.toContain('name="code"');
  const fresh = 'Zeven kikkers & een reiger';
  const changed = await postAccount(poort, agent, page, '/password', { current: tenant.password, password: fresh, confirm: fresh });
  expect(notes(changed)).toEqual([message('account.saved.password')]);
  expect((await attempt(await openLogin(poort, tenant), tenant.email, tenant.password)).verdict).toBe('failed');
  await loginPasswordOnly(poort, { ...tenant, password: fresh });
  const stored = await poort.container.models.Account.findById(tenant.accountId).lean().exec();
  expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
  expect(stored?.passwordHash).not.toContain(fresh);
});

test('the page and its messages are in Dutch for a Dutch browser', async () => {
  const tenant = await createTenant(poort);
  const agent = await loginPasswordOnly(poort, tenant, new Agent({ headers: { 'accept-language': 'nl-NL,nl;q=0.9' } }));
  const page = await accountPage(poort, agent);
  expect(page.body).toContain('<html lang="nl">');
  const refused = await postAccount(poort, agent, page, '/password', { current: tenant.password, password: 'kort!', confirm: 'kort!' });
  expect(alerts(refused)).toEqual(['Het wachtwoord moet minstens 12 tekens hebben.']);
  expect(refused.url).toBe(`${poort.issuer}${ACCOUNT}#password`);
});
