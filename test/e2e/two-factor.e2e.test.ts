/**
 * Two-step login in a real browser, through the demo relying party, with the demo organisation requiring a second
 * factor: setting up the authenticator app during login (key read from the page, codes computed as an app does),
 * logging out and in again with a fresh code; logging in with an SMS code; logging in with a recovery code.
 * Every page must load under its Content Security Policy without console errors.
 */
import type { Page } from 'playwright-core';
import { ACR } from '../../config/oidc.ts';
import { currentTotp } from '../../src/auth/factors/totp.ts';
import { DEMO } from '../../src/dev/seed.ts';
import { NO_PROBLEMS, claimsOnCallback, fillLogin, gotoLogin, submit, useDemoBrowser } from '../support/demo-browser.ts';
import { startAppSetup } from '../support/two-factor.ts';

const PHONE = '+31612345678';

const demo = useDemoBrowser(import.meta.url, async ({ poort, organisationId }) => {
  await poort.container.models.Organisation.updateOne({ _id: organisationId }, { $set: { twoFactor: 'required' } });
});
const open = () => demo.open();

/** From the demo RP to Poort's login page, then the password. */
async function logInWithPassword(page: Page): Promise<void> {
  await gotoLogin(page, demo.poort.issuer);
  await fillLogin(page, DEMO.email, DEMO.password);
}

async function heading(page: Page): Promise<string> {
  return page.getByRole('heading', { level: 1 }).innerText();
}

/** The newest SMS to the demo phone in Poort's dev outbox, and the code in it. */
function latestSmsCode(): string {
  const sms = demo.poort.container.outbox?.list().find((m) => m.kind === 'sms' && m.to === PHONE);
  const code = /\b(\d{6})\b/.exec(sms?.text ?? '')?.[1];
  if (!code) throw new Error('no SMS code in the outbox');
  return code;
}

test('required policy: set up the app during login, log out, log in again with a fresh code', async () => {
  await demo.poort.container.secondFactors.remove(demo.demoSub);
  const { page, problems } = await open();
  await logInWithPassword(page);

  // The set-up cannot be skipped: the login goes on to choosing a method.
  expect(await heading(page)).toBe('Set up two-step login');
  await page.getByLabel('Authenticator app', { exact: true }).check();
  await submit(page, 'Continue');

  expect(await heading(page)).toBe('Scan the QR code');
  const qr = page.getByRole('img', { name: 'QR code to add this account to your authenticator app' });
  expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
  expect(await qr.evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0)).toBe(true);
  const secret = (await page.locator('#secret').innerText()).replace(/\s/g, '');
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await page.getByLabel('Code', { exact: true }).fill(currentTotp(secret, new Date()));
  await submit(page, 'Complete set-up');

  expect(await heading(page)).toBe('Your recovery codes');
  const codes = await page.locator('#recovery-codes li code').allInnerTexts();
  expect(codes).toHaveLength(6);
  for (const code of codes) expect(code).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
  await submit(page, 'I have stored my codes');

  const first = await claimsOnCallback(page);
  expect(first).toMatchObject({ sub: demo.demoSub, acr: ACR.multiFactor, amr: ['pwd', 'otp', 'mfa'] });

  // RP-initiated logout (the demo RP's link carries the ID token as hint), confirmed on Poort's page.
  await page.getByRole('link', { name: 'Log out', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/session/end');
  expect(await heading(page)).toBe('Log out');
  await submit(page, 'Log out');
  // Back at the demo RP's start, which asks for a new login: the session is gone, so the login page shows.
  await page.waitForURL(/\/interaction\/[^/]+$/);
  expect(await heading(page)).toBe('Log in');

  await page.getByLabel('E-mail address', { exact: true }).fill(DEMO.email);
  await page.getByLabel('Password', { exact: true }).fill(DEMO.password);
  await submit(page, 'Log in');
  expect(await heading(page)).toBe('Enter your code');
  // The step the set-up used is refused as a replay; the next step is within the accepted window.
  await page.getByLabel('Code', { exact: true }).fill(currentTotp(secret, new Date(Date.now() + 30_000)));
  await submit(page, 'Continue');

  const second = await claimsOnCallback(page);
  expect(second).toMatchObject({ sub: demo.demoSub, acr: ACR.multiFactor, amr: ['pwd', 'otp', 'mfa'] });
  expect(Number(second.auth_time)).toBeGreaterThanOrEqual(Number(first.auth_time));
  expect(problems).toEqual(NO_PROBLEMS);
});

test('SMS: after the password, the code from the text message logs in', async () => {
  const { secondFactors, db } = demo.poort.container;
  const started = await secondFactors.startEnrolment(demo.demoSub, 'sms', { phone: PHONE });
  if (!started.ok) throw new Error(`SMS set-up not started: ${started.error}`);
  const enrolled = await secondFactors.completeEnrolment(demo.demoSub, demo.organisationId, started.enrolmentId, latestSmsCode(), '127.0.0.1');
  expect(enrolled.ok).toBe(true);
  // The set-up's text message was just sent; at most one per 30 s goes out. Start as if it were sent a while ago.
  await db.collection('throttle_sms_interval').deleteMany({});

  const { page, problems } = await open();
  await logInWithPassword(page);
  expect(await heading(page)).toBe('Enter your code');
  expect(await page.locator('main').innerText()).toContain('We sent a text message with a 6-digit code to');
  expect(await page.locator('main').innerText()).not.toContain(PHONE);
  await page.getByLabel('Code', { exact: true }).fill(latestSmsCode());
  await submit(page, 'Continue');

  expect(await claimsOnCallback(page)).toMatchObject({ sub: demo.demoSub, acr: ACR.multiFactor, amr: ['pwd', 'sms', 'mfa'] });
  expect(problems).toEqual(NO_PROBLEMS);
});

test('recovery code: "Use a recovery code instead", type one, logged in', async () => {
  const { secondFactors } = demo.poort.container;
  const started = await startAppSetup(secondFactors, demo.demoSub, { issuer: DEMO.organisation, label: DEMO.email });
  const { secret } = started;
  expect((await secondFactors.completeEnrolment(demo.demoSub, demo.organisationId, started.enrolmentId, currentTotp(secret, new Date()), '127.0.0.1')).ok).toBe(true);
  const [code] = await secondFactors.regenerateRecoveryCodes(demo.demoSub);

  const { page, problems } = await open();
  await logInWithPassword(page);
  expect(await heading(page)).toBe('Enter your code');
  await page.getByRole('link', { name: 'Use a recovery code instead', exact: true }).click();
  await page.waitForURL(/\?use=recovery$/);
  expect(await heading(page)).toBe('Use a recovery code');
  await page.getByLabel('Recovery code', { exact: true }).fill(code ?? '');
  await submit(page, 'Continue');

  expect(await claimsOnCallback(page)).toMatchObject({ sub: demo.demoSub, acr: ACR.multiFactor, amr: ['pwd', 'rc', 'mfa'] });
  expect(problems).toEqual(NO_PROBLEMS);
});
