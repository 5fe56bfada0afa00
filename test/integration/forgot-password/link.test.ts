/**
 * The e-mailed link without two-step login (DESIGN §7): no code step; the password rules apply; the new password
 * is set once per link (also under 20 parallel submissions); a link expires after 1 hour and a newer one replaces it;
 * afterwards every session and refresh token of the account has ended and the person got a notice.
 */
import { alerts, auditEvents, message, notices } from '../../support/account.ts';
import { Agent, type Page } from '../../support/browser.ts';
import { createClock } from '../../support/clock.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { freshLink, isPasswordForm, postLink } from '../../support/password-reset.ts';
import { exchange, oidc } from '../../support/rp.ts';
import { attempt, expectErrorPage, expectNoLeak, openLogin } from '../../support/security.ts';
import { authorizeAgain, callbackOf, passwordStep } from '../../support/two-factor.ts';

let poort: TestPoort;
const clock = createClock();
const fresh = 'A brand new passphrase!';

beforeAll(async () => {
  poort = await startPoort('forgot-link', {}, { now: clock.now });
});
afterAll(async () => {
  await poort.close();
});

/** The page a used, expired or unknown link shows. */
function expectUsedLinkPage(page: Page): void {
  expect(page.status).toBe(400);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expectNoLeak(page.body);
  expect(page.body).toContain(message('reset.invalid.title'));
  expect(page.body).toContain(message('reset.invalid.how'));
  expect(page.body).not.toContain('type="password"');
}

/** Logs in on a new browser with scope offline_access; answers the browser and its tokens. */
async function loggedInBrowser(tenant: Tenant) {
  const login = await passwordStep(poort, tenant, { scope: 'openid offline_access', prompt: 'consent' });
  const tokens = await exchange(login.config, callbackOf(login.step, tenant), login.request);
  return { agent: login.agent, config: login.config, tokens };
}

test('without 2FA: no code step; weak and mismatched passwords refused; the new password ends every session; the link works once', async () => {
  const tenant = await createTenant(poort);
  const other = await loggedInBrowser(tenant);
  const link = await freshLink(poort, tenant);
  const browser = new Agent();
  const page = await browser.follow(link, poort.issuer);
  expect(isPasswordForm(page)).toBe(true);
  expect(page.body).not.toContain('name="code"');
  expect(page.headers.get('cache-control')).toBe('no-store');

  const refusals: Array<[Record<string, string>, string[]]> = [
    [{ password: 'short!', confirm: 'short!' }, [message('password.tooShort', { min: 12 })]],
    [{ password: 'twelveletters42', confirm: 'twelveletters42' }, [message('password.noSpecial')]],
    [{ password: fresh, confirm: `${fresh}?` }, [message('account.password.mismatch')]],
    [{ password: '', confirm: '' }, [message('reset.invalidForm')]],
  ];
  for (const [fields, expected] of refusals) {
    const refused = await postLink(poort, browser, link, page, '', fields);
    expect(refused.posted.location).toBe(link);
    expect(isPasswordForm(refused.page)).toBe(true);
    expect(alerts(refused.page)).toEqual(expected);
  }
  expect(notices(poort, tenant.email, 'passwordChanged')).toHaveLength(0);
  expect((await attempt(await openLogin(poort, tenant), tenant.email, tenant.password)).callback).toBeDefined();

  const done = await postLink(poort, browser, link, page, '', { password: fresh, confirm: fresh });
  expect(done.posted.location).toBe(`${poort.issuer}/reset-password/done`);
  expect(done.page.status).toBe(200);
  expect(done.page.body).toContain(message('reset.done.body'));

  // The old password no longer logs in; the new one does.
  expect((await attempt(await openLogin(poort, tenant), tenant.email, tenant.password)).verdict).toBe('failed');
  expect((await attempt(await openLogin(poort, tenant), tenant.email, fresh)).callback?.searchParams.get('code')).toBeTruthy();
  const stored = await poort.container.models.Account.findById(tenant.accountId).lean().exec();
  expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);

  // The browser that was logged in before is logged out, and its tokens no longer work.
  const again = await authorizeAgain(poort, tenant, other.agent);
  expect(again.page.body).toContain(`action="/interaction/${again.login.uid}/login"`);
  await expect(oidc.refreshTokenGrant(other.config, other.tokens.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
  expect((await fetch(`${poort.issuer}/me`, { headers: { authorization: `Bearer ${other.tokens.access_token}` } })).status).toBe(401);

  expect(notices(poort, tenant.email, 'passwordChanged')).toHaveLength(1);
  // Both browsers that were logged in (the other one, and the check above that the old password still worked).
  const [event] = await auditEvents(poort, tenant.accountId, 'password.reset');
  expect(event?.data).toEqual({ codeChecked: false, sessionsEnded: 2, grantsRevoked: 2 });

  // The link works once: opened again, or its form posted again, it shows the "ask for a new link" page.
  expectUsedLinkPage(await browser.request(link));
  const replay = await postLink(poort, browser, link, page, '', { password: 'Yet another passphrase!', confirm: 'Yet another passphrase!' });
  expectUsedLinkPage(replay.page);
  expect((await attempt(await openLogin(poort, tenant), tenant.email, fresh)).callback).toBeDefined();
});

test('a link expires after 1 hour', async () => {
  const tenant = await createTenant(poort);
  const link = await freshLink(poort, tenant);
  clock.advance(59 * 60);
  const agent = new Agent();
  const page = await agent.follow(link, poort.issuer);
  expect(isPasswordForm(page)).toBe(true);
  clock.advance(2 * 60);
  expectUsedLinkPage(await new Agent().request(link));
  // Its form, shown before the hour ended, no longer sets anything.
  const late = await postLink(poort, agent, link, page, '', { password: fresh, confirm: fresh });
  expectUsedLinkPage(late.page);
  expect((await attempt(await openLogin(poort, tenant), tenant.email, tenant.password)).callback).toBeDefined();
});

test('a newer link replaces the older one', async () => {
  const tenant = await createTenant(poort);
  const older = await freshLink(poort, tenant);
  const newer = await freshLink(poort, tenant);
  expect(newer).not.toBe(older);
  expectUsedLinkPage(await new Agent().request(older));
  expect(isPasswordForm(await new Agent().follow(newer, poort.issuer))).toBe(true);
});

test('20 parallel submissions of one link: exactly one sets the password', async () => {
  const tenant = await createTenant(poort);
  const link = await freshLink(poort, tenant);
  const agent = new Agent();
  const page = await agent.follow(link, poort.issuer);
  const passwords = Array.from({ length: 20 }, (_, index) => `Parallel passphrase ${index}!`);
  const posted = await Promise.all(passwords.map((password) => postLink(poort, agent, link, page, '', { password, confirm: password })));
  const winners = posted.map((result, index) => ({ index, done: result.posted.location === `${poort.issuer}/reset-password/done` })).filter((r) => r.done);
  expect(winners).toHaveLength(1);
  const winner = passwords[winners[0]?.index ?? -1] ?? '';
  expect((await attempt(await openLogin(poort, tenant), tenant.email, winner)).callback).toBeDefined();
  const loser = passwords.find((password) => password !== winner) ?? '';
  expect((await attempt(await openLogin(poort, tenant), tenant.email, loser)).verdict).toBe('failed');
  expect(notices(poort, tenant.email, 'passwordChanged')).toHaveLength(1);
});

test('the new password clears the login throttle of the account: the person is not kept waiting by an attacker\'s guesses', async () => {
  const tenant = await createTenant(poort);
  const login = await openLogin(poort, tenant);
  const verdicts: string[] = [];
  for (let guess = 1; guess <= 7; guess += 1) verdicts.push((await attempt(login, tenant.email, `Wrong guess ${guess}!`)).verdict);
  expect(verdicts.at(-1)).toBe('throttled');
  expect((await attempt(await openLogin(poort, tenant), tenant.email, tenant.password)).verdict).toBe('throttled');

  const link = await freshLink(poort, tenant);
  const agent = new Agent();
  const done = await postLink(poort, agent, link, await agent.follow(link, poort.issuer), '', { password: fresh, confirm: fresh });
  expect(done.page.body).toContain(message('reset.done.body'));
  expect((await attempt(await openLogin(poort, tenant), tenant.email, fresh)).callback?.searchParams.get('code')).toBeTruthy();
});

test('unknown and malformed links get the friendly page, never a 500; forms need the CSRF token', async () => {
  const agent = new Agent();
  for (const path of ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'short', `${'x'.repeat(2000)}`, 'a%20b', '%ZZ', '%C0%AF']) {
    expectUsedLinkPage(await agent.request(`${poort.issuer}/reset-password/${path}`));
  }
  const tenant = await createTenant(poort);
  const link = await freshLink(poort, tenant);
  const page = await agent.follow(link, poort.issuer);
  // A form posted to an unknown link (with a valid CSRF token): 303 to the friendly page.
  for (const suffix of ['', '/code', '/resend']) {
    const posted = await postLink(poort, agent, `${poort.issuer}/reset-password/unknown`, page, suffix, { password: fresh, confirm: fresh, code: '123456' });
    expectUsedLinkPage(posted.page);
  }
  expectErrorPage(await agent.request(link, { form: { password: fresh, confirm: fresh } }), 403);
  expectErrorPage(await agent.request(`${link}/code`, { form: { code: '123456' } }), 403);
  expectErrorPage(await agent.request(link, { body: '{"password":"x"}', headers: { 'content-type': 'application/json' } }), 415);
  expect(isPasswordForm(await agent.follow(link, poort.issuer))).toBe(true);
  expect((await attempt(await openLogin(poort, tenant), tenant.email, tenant.password)).callback).toBeDefined();
});
