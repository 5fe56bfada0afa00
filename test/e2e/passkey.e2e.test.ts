/**
 * Passkeys in a real browser: Chromium with its DevTools virtual authenticator (CTAP2, internal transport, resident
 * keys, user verification), logged in through openid-client's authorization request. A passkey is set up on the
 * account page; after logging out, the login asks for it after the password and the ID token says so (amr hwk + mfa,
 * acr mfa). A second passkey (a security key) is added, the first removed, the last one cannot be removed; the
 * browser's own signed answer, sent again, is refused, and so is a wrong signature (worded for a passkey). Every
 * page loads under its Content Security Policy (the browser library is a static script) without console errors, and
 * passes axe-core's WCAG 2.1 A/AA rules.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { ACR } from '../../config/oidc.ts';
import { wcagViolations } from '../support/axe.ts';
import { launchChromium, openPage, type PageProblems } from '../support/chromium.ts';
import { NO_PROBLEMS, fillLogin, submit } from '../support/demo-browser.ts';
import { allowPasskeys, startPasskeyPoort } from '../support/passkey.ts';
import { createTenant, type Tenant, type TestPoort } from '../support/poort.ts';
import { authorizationRequest, discover, exchange, oidc } from '../support/rp.ts';
import { codeMessage, isCodePage, passwordStep, postCode } from '../support/two-factor.ts';

let poort: TestPoort;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
/** The relying party's callback: a plain page (the test reads the code from the browser's address). */
let rp: Server | undefined;
let rpOrigin = '';
let people = 0;

beforeAll(async () => {
  poort = await startPasskeyPoort(import.meta.url);
  rp = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>RP</title><p>Back at the platform</p>'));
  await new Promise<void>((resolve) => rp?.listen(0, '127.0.0.1', resolve));
  rpOrigin = `http://127.0.0.1:${(rp.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => rp?.close(resolve));
  await poort?.close();
});
afterEach(async () => {
  await context?.close();
  context = undefined;
});

interface Person {
  tenant: Tenant;
  config: oidc.Configuration;
  page: Page;
  problems: PageProblems;
  cdp: CDPSession;
}

/** A person of an organisation that allows passkeys, and a browser page (its problems recorded). */
async function person(): Promise<Person> {
  if (!browser) throw new Error('Chromium did not start (see beforeAll)');
  people += 1;
  const tenant = await createTenant(poort, { redirectUri: `${rpOrigin}/rp${people}/callback` });
  await allowPasskeys(poort, tenant.organisationId);
  const config = await discover(poort.issuer, tenant);
  const opened = await openPage(browser, { locale: 'en-GB' });
  context = opened.context;
  const cdp = await context.newCDPSession(opened.page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  return { tenant, config, ...opened, cdp };
}

/** A virtual authenticator that holds discoverable credentials and verifies its user without asking. */
async function addAuthenticator(cdp: CDPSession, transport: 'internal' | 'usb'): Promise<string> {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport, hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return authenticatorId;
}

async function heading(page: Page): Promise<string> {
  return page.getByRole('heading', { level: 1 }).innerText();
}

/**
 * From openid-client's authorization URL through Poort's login page and the password; `afterPassword` takes the
 * steps that follow; back at the RP, the code is exchanged and the ID token's claims answered.
 */
async function logIn(who: Person, afterPassword: (page: Page) => Promise<void> = async () => undefined): Promise<oidc.IDToken> {
  const request = await authorizationRequest(who.config, who.tenant.redirectUri);
  await who.page.goto(request.url.toString());
  await who.page.waitForURL(/\/interaction\/[^/]+$/);
  await fillLogin(who.page, who.tenant.email, who.tenant.password);
  await afterPassword(who.page);
  await who.page.waitForURL((url) => url.href.startsWith(who.tenant.redirectUri));
  const claims = (await exchange(who.config, new URL(who.page.url()), request)).claims();
  if (!claims) throw new Error('no ID token');
  return claims;
}

async function openAccountPage(page: Page): Promise<void> {
  await page.goto(`${poort.issuer}/account/security`);
  await page.waitForLoadState('load');
}

/** "Log out" on the account page, confirmed on Poort's logout page. */
async function logOut(page: Page): Promise<void> {
  await openAccountPage(page);
  await page.getByRole('link', { name: 'Log out', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/session/end');
  await submit(page, 'Log out');
  expect(await page.locator('main').innerText()).toContain('You are logged out.');
}

/** Two-step login is off: set up a passkey named `name` from the account page; answers the recovery codes shown. */
async function setUpFirstPasskey(who: Person, name: string): Promise<string[]> {
  const { page } = who;
  await openAccountPage(page);
  await page.getByRole('link', { name: 'Set up two-step login', exact: true }).click();
  await page.waitForLoadState('load');
  await page.getByLabel('Your password', { exact: true }).fill(who.tenant.password);
  await page.getByLabel('Passkey', { exact: true }).check();
  await page.getByLabel('Name for the passkey', { exact: true }).fill(name);
  await submit(page, 'Continue');
  expect(await heading(page)).toBe('Create your passkey');
  expect(await wcagViolations(page)).toEqual([]);
  // The button starts the browser's ceremony; the virtual authenticator answers and the page sends the answer.
  await submit(page, 'Create passkey');
  expect(await heading(page)).toBe('Your recovery codes');
  const codes = await page.locator('#recovery-codes li code').allInnerTexts();
  await submit(page, 'I have stored my codes');
  return codes;
}

/** The names the account page lists under "Your passkeys". */
async function listedPasskeys(page: Page): Promise<string[]> {
  return (await page.locator('#factor-items li strong').allInnerTexts()).map((name) => name.trim());
}

/** The credential ids Poort stores for the account (base64url), in the order they were added. */
async function storedCredentialIds(accountId: string): Promise<string[]> {
  const factor = await poort.container.models.SecondFactor.findById(accountId).lean();
  return (factor?.passkeys ?? []).map((passkey) => passkey.id);
}

/** The credential ids a virtual authenticator holds, as base64url. */
async function heldCredentialIds(cdp: CDPSession, authenticatorId: string): Promise<string[]> {
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  return credentials.map((credential) => Buffer.from(credential.credentialId, 'base64').toString('base64url'));
}

test('a passkey set up on the account page; after logging out, the login asks for it: amr hwk + mfa, acr mfa', async () => {
  const who = await person();
  const laptop = await addAuthenticator(who.cdp, 'internal');
  expect(await logIn(who)).toMatchObject({ sub: who.tenant.accountId, amr: ['pwd'] });

  const codes = await setUpFirstPasskey(who, 'Work laptop');
  expect(codes).toHaveLength(6);
  expect(await who.page.locator('#two-factor').getByRole('status').innerText()).toBe('Two-step login is set up.');
  expect(await listedPasskeys(who.page)).toEqual(['Work laptop']);
  // The credential the authenticator made (a discoverable one) is the one Poort stored; Poort holds no secret of it.
  const { credentials } = await who.cdp.send('WebAuthn.getCredentials', { authenticatorId: laptop });
  expect(credentials.map((credential) => credential.isResidentCredential)).toEqual([true]);
  expect(await storedCredentialIds(who.tenant.accountId)).toEqual(await heldCredentialIds(who.cdp, laptop));

  await logOut(who.page);

  // The browser's signed answer is read as it leaves, to send it again below.
  let sent = '';
  who.page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().endsWith('/second-factor')) sent = new URLSearchParams(request.postData() ?? '').get('code') ?? '';
  });
  const claims = await logIn(who, async (page) => {
    expect(await page.getByRole('button', { name: 'Use passkey', exact: true }).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'Use a recovery code instead', exact: true }).isVisible()).toBe(true);
    expect(await wcagViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Use passkey', exact: true }).click();
  });
  expect(claims).toMatchObject({ sub: who.tenant.accountId, acr: ACR.multiFactor, amr: ['pwd', 'hwk', 'mfa'] });

  // That answer, sent again in another login (by a script holding the password), is refused like a wrong code.
  expect(JSON.parse(sent)).toMatchObject({ type: 'public-key', response: { authenticatorData: expect.any(String) } });
  const replay = await passwordStep(poort, who.tenant);
  expect(isCodePage(replay.step)).toBe(true);
  expect(codeMessage(await postCode(poort, replay, sent))).toBe('invalid');

  // The account page shows when the passkey was last used.
  await openAccountPage(who.page);
  expect(await who.page.locator('#factor-items li .hint').innerText()).toMatch(/^Added .+, last used .+$/);
  expect(who.problems).toEqual(NO_PROBLEMS);
});

test('a second passkey (a security key) is added, the first removed; the last one has no remove form', async () => {
  const who = await person();
  const laptop = await addAuthenticator(who.cdp, 'internal');
  await logIn(who);
  await setUpFirstPasskey(who, 'Work laptop');
  // One passkey: the page offers adding one, and says why the only one cannot be removed.
  expect(await who.page.locator('#remove-item').count()).toBe(0);
  expect(await who.page.locator('#two-factor').innerText()).toContain('To remove your only passkey, choose another method or switch two-step login off.');

  // The laptop is out of reach; a security key is plugged in and added as a second passkey.
  await who.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: laptop });
  const key = await addAuthenticator(who.cdp, 'usb');
  const add = who.page.locator('#add-item');
  await add.getByLabel('Name for the passkey', { exact: true }).fill('Blue security key');
  await add.getByLabel('Your password', { exact: true }).fill(who.tenant.password);
  await submit(who.page, 'Add a passkey');
  expect(await heading(who.page)).toBe('Create your passkey');
  await submit(who.page, 'Create passkey');
  // No new recovery codes: the ones of the first set-up stay.
  expect(await who.page.locator('#two-factor').getByRole('status').innerText()).toBe('Your new passkey was added.');
  expect(await listedPasskeys(who.page)).toEqual(['Work laptop', 'Blue security key']);
  expect((await storedCredentialIds(who.tenant.accountId))[1]).toBe((await heldCredentialIds(who.cdp, key))[0]);

  // Removing the laptop's passkey: password, and the security key answers (the code field left empty).
  const remove = who.page.locator('#remove-item');
  await remove.getByLabel('Work laptop', { exact: true }).check();
  await remove.getByLabel('Your password', { exact: true }).fill(who.tenant.password);
  await submit(who.page, 'Remove passkey');
  expect(await who.page.locator('#two-factor').getByRole('status').innerText()).toBe('The passkey was removed.');
  expect(await listedPasskeys(who.page)).toEqual(['Blue security key']);
  expect(await who.page.locator('#remove-item').count()).toBe(0);
  expect(await storedCredentialIds(who.tenant.accountId)).toEqual(await heldCredentialIds(who.cdp, key));
  expect(await wcagViolations(who.page)).toEqual([]);

  // The security key logs in; a security key is a hardware key.
  await logOut(who.page);
  const claims = await logIn(who, async (page) => {
    await page.getByRole('button', { name: 'Use passkey', exact: true }).click();
  });
  expect(claims).toMatchObject({ acr: ACR.multiFactor, amr: ['pwd', 'hwk', 'mfa'] });
  expect(who.problems).toEqual(NO_PROBLEMS);
});

test('an authenticator whose signature is wrong: the passkey page refuses it, worded for a passkey; right again, it logs in', async () => {
  const who = await person();
  const laptop = await addAuthenticator(who.cdp, 'internal');
  await logIn(who);
  await setUpFirstPasskey(who, 'Work laptop');
  await logOut(who.page);

  const claims = await logIn(who, async (page) => {
    await who.cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId: laptop, isBogusSignature: true });
    await submit(page, 'Use passkey');
    expect(await page.getByRole('alert').innerText()).toBe('The passkey could not be confirmed. Try again, or use a recovery code.');
    // The page made a new challenge; the authenticator, right again, is accepted with it.
    await who.cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId: laptop, isBogusSignature: false });
    await page.getByRole('button', { name: 'Use passkey', exact: true }).click();
  });
  expect(claims).toMatchObject({ acr: ACR.multiFactor, amr: ['pwd', 'hwk', 'mfa'] });
  expect(who.problems).toEqual(NO_PROBLEMS);
});

test('the passkey is out of reach: "Use a recovery code instead" on the passkey page logs in', async () => {
  const who = await person();
  const laptop = await addAuthenticator(who.cdp, 'internal');
  await logIn(who);
  const [code] = await setUpFirstPasskey(who, '');
  expect(await listedPasskeys(who.page)).toEqual(['Passkey']);
  await logOut(who.page);
  await who.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: laptop });

  const claims = await logIn(who, async (page) => {
    await page.getByRole('link', { name: 'Use a recovery code instead', exact: true }).click();
    await page.waitForURL(/\?use=recovery$/);
    await page.getByLabel('Recovery code', { exact: true }).fill(code ?? '');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
  });
  expect(claims).toMatchObject({ acr: ACR.multiFactor, amr: ['pwd', 'rc', 'mfa'] });
  expect(who.problems).toEqual(NO_PROBLEMS);
});
