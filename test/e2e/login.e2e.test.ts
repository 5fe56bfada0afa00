/**
 * A person logs in with a real browser: Chromium opens the dev demo relying party, is sent to Poort's login page,
 * fills it in by its labels and comes back to the demo RP's callback, which shows the ID token's claims.
 */
import type { Page } from 'playwright-core';
import { DEMO } from '../../src/dev/seed.ts';
import { NO_PROBLEMS, claimsOnCallback, fillLogin, gotoLogin as gotoDemoLogin, submit, useDemoBrowser } from '../support/demo-browser.ts';

const demo = useDemoBrowser(import.meta.url);
const open = (locale?: string) => demo.open(locale);
const gotoLogin = (page: Page): Promise<void> => gotoDemoLogin(page, demo.poort.issuer);

async function expectVisible(locator: ReturnType<Page['getByRole']>): Promise<void> {
  await locator.waitFor({ state: 'visible', timeout: 10_000 });
}

test('logging in through the real pages lands on the demo callback with a password-level ID token', async () => {
  const { page } = await open();
  await gotoLogin(page);
  expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Log in');

  await fillLogin(page, DEMO.email, DEMO.password);

  const claims = await claimsOnCallback(page);
  expect(claims).toMatchObject({
    iss: demo.poort.issuer,
    aud: 'demo-rp',
    acr: 'urn:poort:acr:pwd',
    amr: ['pwd'],
    sub: demo.demoSub,
  });
  expect(typeof claims.auth_time).toBe('number');
  // The demo RP compares the nonce it sent with the one in the token and says so when they differ.
  expect(await page.getByRole('status').innerText()).not.toContain('nonce mismatch');
});

test('a wrong password shows the generic error on the login page and keeps the typed e-mail', async () => {
  const { page } = await open();
  await gotoLogin(page);
  const loginUrl = page.url();

  await fillLogin(page, DEMO.email, 'Not-the-password-2026!');

  expect(page.url()).toBe(loginUrl);
  const alert = page.getByRole('alert');
  await expectVisible(alert);
  expect(await alert.innerText()).toBe('The e-mail address or password is incorrect.');
  expect(await page.getByLabel('E-mail address', { exact: true }).inputValue()).toBe(DEMO.email);
  expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');

  // An unknown e-mail address gets exactly the same message.
  await fillLogin(page, 'nobody@demo.poort.test', 'Not-the-password-2026!');
  expect(page.url()).toBe(loginUrl);
  await expectVisible(page.getByRole('alert'));
  expect(await page.getByRole('alert').innerText()).toBe('The e-mail address or password is incorrect.');
  expect(await page.getByLabel('E-mail address', { exact: true }).inputValue()).toBe('nobody@demo.poort.test');
  expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');

  // The right password still works afterwards.
  await fillLogin(page, DEMO.email, DEMO.password);
  expect(await claimsOnCallback(page)).toMatchObject({ sub: demo.demoSub, amr: ['pwd'] });
});

test('a browser that prefers Dutch gets the login page in Dutch', async () => {
  const { page } = await open('nl-NL');
  await gotoLogin(page);

  expect(await page.locator('html').getAttribute('lang')).toBe('nl');
  expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Inloggen');
  await page.getByLabel('E-mailadres', { exact: true }).fill(DEMO.email);
  await page.getByLabel('Wachtwoord', { exact: true }).fill('Niet-het-wachtwoord-2026!');
  await submit(page, 'Inloggen');

  await expectVisible(page.getByRole('alert'));
  expect(await page.getByRole('alert').innerText()).toBe('Het e-mailadres of het wachtwoord klopt niet.');
  expect(await page.getByLabel('E-mail address', { exact: true }).count()).toBe(0);
});

test('the login page loads under its Content Security Policy without console errors or violations', async () => {
  const { page, problems } = await open();
  // goto resolves with the first non-redirect response: the login page itself.
  const response = await page.goto(`${demo.poort.issuer}/dev/demo-rp/start`);
  expect(response?.url()).toMatch(/\/interaction\/[^/]+$/);
  expect(response?.status()).toBe(200);

  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  // The stylesheet is served from our origin and applied (a blocked or missing stylesheet would leave no rules).
  expect(await page.evaluate('document.styleSheets.length > 0 && document.styleSheets[0].cssRules.length > 0')).toBe(true);

  // A failed attempt re-renders the page with the error; then a successful one reaches the callback.
  await fillLogin(page, DEMO.email, 'Not-the-password-2026!');
  await expectVisible(page.getByRole('alert'));
  await fillLogin(page, DEMO.email, DEMO.password);
  await claimsOnCallback(page);

  expect(problems).toEqual(NO_PROBLEMS);
});

// Last in this file: it changes the demo account's password.
test('forgot password: the link from the e-mail sets a new password, which then logs in', async () => {
  const { page, problems } = await open();
  await gotoLogin(page);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByLabel('E-mail address', { exact: true }).fill(DEMO.email);
  await submit(page, 'Send me a link');
  expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Check your e-mail');

  await demo.poort.container.passwordResets.settle();
  const mail = demo.poort.container.outbox?.list().find((m) => m.kind === 'mail' && m.to === DEMO.email && m.purpose === 'password-reset');
  const link = /https?:\/\/\S+\/reset-password\/[\w-]{43}/.exec(mail?.text ?? '')?.[0];
  expect(link).toBeDefined();
  await page.goto(link ?? '');
  const fresh = 'A new password, 2026!';
  await page.getByLabel('New password', { exact: true }).fill(fresh);
  await page.getByLabel('New password again', { exact: true }).fill(fresh);
  await submit(page, 'Save my new password');
  expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Your password is changed');

  await gotoLogin(page);
  await fillLogin(page, DEMO.email, fresh);
  expect(await claimsOnCallback(page)).toMatchObject({ sub: demo.demoSub });
  expect(problems).toEqual(NO_PROBLEMS);
});
