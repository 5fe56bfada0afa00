/**
 * An invited person's first visit, in a real browser: the welcome link from the e-mail (read in the development
 * outbox, in a second tab) opens the page that sets the first password, with the strength meter working under the
 * page's Content Security Policy; a refused password lists the broken rules; a good one logs the person in and sends
 * them on to the platform (the demo relying party's initiate_login_uri), whose login the new session answers without
 * a login page. In English and Dutch; and every page of the flow passes axe-core's WCAG 2.1 A/AA rules.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { Locale } from '../../src/i18n/index.ts';
import { wcagViolations } from '../support/axe.ts';
import { NO_PROBLEMS, claimsOnCallback, submit, useDemoBrowser } from '../support/demo-browser.ts';

const demo = useDemoBrowser(import.meta.url);
/** The browser's language for pages in a locale. */
const BROWSER_LOCALE: Record<Locale, string> = { en: 'en-GB', nl: 'nl-NL' };
const WAIT = { timeout: 10_000 };

/** A weak password: too short, no special character, a common word. */
const WEAK = 'sunshine';
const STRONG = 'Violet tractors hum beneath 7 quiet moons!';

/** The pages' texts, as a person reads them. */
const TEXT = {
  en: {
    title: 'Create your password',
    password: 'New password',
    confirm: 'New password again',
    submit: 'Create password and continue',
    meterWeak: 'Password strength: Weak.',
    meterStrong: 'Password strength: Strong.',
    tooShort: 'The password must have at least 12 characters.',
    noSpecial: 'The password must contain at least one special character, such as a space, ! or #.',
    invalid: 'This link no longer works',
    fresh: 'E-mail me a new link',
    sent: 'Check your e-mail',
    tips: 'Tips for a strong password',
    account: 'Account security',
    back: 'Back to Demo platform',
  },
  nl: {
    title: 'Maak je wachtwoord aan',
    password: 'Nieuw wachtwoord',
    confirm: 'Nieuw wachtwoord nogmaals',
    submit: 'Wachtwoord aanmaken en verder',
    meterWeak: 'Sterkte van het wachtwoord: Zwak.',
    meterStrong: 'Sterkte van het wachtwoord: Sterk.',
    tooShort: 'Het wachtwoord moet minstens 12 tekens hebben.',
    noSpecial: 'Het wachtwoord moet minstens één speciaal teken bevatten, zoals een spatie, ! of #.',
    invalid: 'Deze link werkt niet meer',
    fresh: 'Stuur me een nieuwe link',
    sent: 'Kijk in je e-mail',
    tips: 'Tips voor een sterk wachtwoord',
    account: 'Accountbeveiliging',
    back: 'Terug naar Demo platform',
  },
} as const satisfies Record<Locale, Record<string, string>>;

interface Invited {
  id: string;
  email: string;
}

let invitedCount = 0;

/** A client account of the demo organisation, invited by a manager: the welcome e-mail is in the outbox. */
async function invite(locale: Locale): Promise<Invited> {
  invitedCount += 1;
  const email = `invited.${locale}.${invitedCount}@example.org`;
  const { accounts, invitations } = demo.poort.container;
  const account = await accounts.create({ organisationId: demo.organisationId, email, role: 'client', name: `Sam Jansen ${invitedCount}`, locale });
  await invitations.send(account._id, { role: 'manager', id: 'demo-manager' });
  return { id: account._id, email };
}

/** The welcome link of the newest welcome e-mail to `email`, as the outbox page shows it (in a tab of its own). */
async function welcomeLinkFromOutbox(page: Page, email: string): Promise<string> {
  const outbox = await page.context().newPage();
  try {
    await outbox.goto(`${demo.poort.issuer}/dev/outbox`);
    const message = outbox
      .locator('article')
      .filter({ has: outbox.locator('dd', { hasText: email }) })
      .filter({ has: outbox.locator('dd').getByText('welcome', { exact: true }) })
      .first();
    const href = await message.getByRole('link', { name: /\/welcome\/[\w-]{43}$/ }).getAttribute('href', WAIT);
    if (!href) throw new Error(`no welcome link for ${email} on the outbox page`);
    return href;
  } finally {
    await outbox.close();
  }
}

/** Every URL the page's main frame requests from now on, redirects included. */
function recordNavigations(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) urls.push(request.url());
  });
  return urls;
}

async function heading(page: Page): Promise<string> {
  return page.getByRole('heading', { level: 1 }).innerText();
}

/** Waits for the page whose main heading is `text` (a step's precondition: a wrong page fails here, by name). */
async function expectHeading(page: Page, text: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: text, exact: true }).waitFor(WAIT);
}

const meter = (page: Page) => page.locator('#new-password-meter');
/** Waits until the meter's live text says `text`. */
async function meterSays(page: Page, text: string): Promise<void> {
  await meter(page).locator('[aria-live]', { hasText: text }).waitFor(WAIT);
}

async function fillPasswords(page: Page, locale: Locale, password: string, confirm = password): Promise<void> {
  await page.getByLabel(TEXT[locale].password, { exact: true }).fill(password);
  await page.getByLabel(TEXT[locale].confirm, { exact: true }).fill(confirm);
}

/** The texts of the refusal shown above the form. */
async function refusal(page: Page): Promise<string[]> {
  await page.getByRole('alert').first().waitFor(WAIT);
  return page.locator('main p.error').allInnerTexts();
}

/** The welcome page of a freshly invited account, its meter shown. */
async function openWelcome(page: Page, locale: Locale): Promise<Invited> {
  const invited = await invite(locale);
  await page.goto(await welcomeLinkFromOutbox(page, invited.email));
  await expectHeading(page, TEXT[locale].title);
  await meter(page).waitFor({ state: 'visible', ...WAIT });
  return invited;
}

/** From the welcome link through a good password to the demo RP's callback: the browser has a session. */
async function welcomeToPlatform(page: Page, locale: Locale): Promise<Invited> {
  const invited = await openWelcome(page, locale);
  await fillPasswords(page, locale, STRONG);
  await submit(page, TEXT[locale].submit);
  await claimsOnCallback(page);
  return invited;
}

test('welcome link from the outbox: set the password (meter shown), then the demo RP shows the claims without a login page', async () => {
  const { page, problems } = await demo.open();
  const invited = await invite('en');
  const link = await welcomeLinkFromOutbox(page, invited.email);
  expect(link).toMatch(new RegExp(`^${demo.poort.issuer.replace(/[.:/]/g, '\\$&')}/welcome/[\\w-]{43}$`));
  const visited = recordNavigations(page);
  await page.goto(link);
  expect(await heading(page)).toBe('Create your password');

  // The meter is hidden in the HTML; the page's own script (allowed by its CSP) shows it and follows the typing.
  await meter(page).waitFor({ state: 'visible', ...WAIT });
  expect(await meter(page).locator('[aria-live]').innerText()).toBe('');
  await page.getByLabel('New password', { exact: true }).fill(WEAK);
  await meterSays(page, TEXT.en.meterWeak);

  // A weak password is refused with every broken rule listed.
  await page.getByLabel('New password again', { exact: true }).fill(WEAK);
  await submit(page, 'Create password and continue');
  expect(await heading(page)).toBe('Create your password');
  expect(await refusal(page)).toEqual(expect.arrayContaining([TEXT.en.tooShort, TEXT.en.noSpecial]));

  await page.getByLabel('New password', { exact: true }).fill(STRONG);
  await meterSays(page, TEXT.en.meterStrong);
  await page.getByLabel('New password again', { exact: true }).fill(STRONG);
  await submit(page, 'Create password and continue');

  const claims = await claimsOnCallback(page);
  expect(claims).toMatchObject({ iss: demo.poort.issuer, aud: 'demo-rp', sub: invited.id });
  const userinfo = JSON.parse(await page.locator('#userinfo').innerText()) as Record<string, unknown>;
  expect(userinfo).toMatchObject({ sub: invited.id, email: invited.email, email_verified: true });
  // Through the platform's initiate_login_uri, and never a login page.
  const paths = visited.map((url) => new URL(url).pathname);
  expect(paths).toContain('/dev/demo-rp/start');
  expect(visited.filter((url) => url.includes('/interaction/'))).toEqual([]);
  expect(problems).toEqual(NO_PROBLEMS);
});

test('an account in Dutch gets the welcome page in Dutch, and the flow ends at the demo RP', async () => {
  // The browser asks for English: the account's language wins.
  const { page, problems } = await demo.open(BROWSER_LOCALE.en);
  const invited = await invite('nl');
  await page.goto(await welcomeLinkFromOutbox(page, invited.email));
  expect(await page.locator('html').getAttribute('lang')).toBe('nl');
  expect(await heading(page)).toBe('Maak je wachtwoord aan');
  await meter(page).waitFor({ state: 'visible', ...WAIT });

  await fillPasswords(page, 'nl', WEAK);
  await meterSays(page, TEXT.nl.meterWeak);
  await submit(page, 'Wachtwoord aanmaken en verder');
  expect(await refusal(page)).toEqual(expect.arrayContaining([TEXT.nl.tooShort, TEXT.nl.noSpecial]));

  await fillPasswords(page, 'nl', STRONG);
  await submit(page, 'Wachtwoord aanmaken en verder');
  expect(await claimsOnCallback(page)).toMatchObject({ sub: invited.id });
  expect(problems).toEqual(NO_PROBLEMS);
});

/** How a test reaches each new page, in a browser of the page's language. */
const PAGES: ReadonlyArray<readonly [string, (page: Page, locale: Locale) => Promise<void>]> = [
  ['the welcome password page', async (page, locale) => {
    await openWelcome(page, locale);
  }],
  ['the welcome password page after a refused password', async (page, locale) => {
    await openWelcome(page, locale);
    await fillPasswords(page, locale, WEAK);
    await submit(page, TEXT[locale].submit);
    await refusal(page);
  }],
  ['the "link no longer works" page', async (page, locale) => {
    await page.goto(`${demo.poort.issuer}/welcome/${randomBytes(32).toString('base64url')}`);
    await expectHeading(page, TEXT[locale].invalid);
  }],
  ['the "check your e-mail" page', async (page, locale) => {
    await page.goto(`${demo.poort.issuer}/welcome/${randomBytes(32).toString('base64url')}`);
    await submit(page, TEXT[locale].fresh);
    await page.waitForURL((url) => url.pathname === '/welcome/sent');
    await expectHeading(page, TEXT[locale].sent);
  }],
  ['the password tips', async (page, locale) => {
    await page.goto(`${demo.poort.issuer}/password-tips`);
    await expectHeading(page, TEXT[locale].tips);
  }],
  ['the account page after the welcome flow', async (page, locale) => {
    await welcomeToPlatform(page, locale);
    await page.goto(`${demo.poort.issuer}/account/security`);
    await expectHeading(page, TEXT[locale].account);
    await page.getByRole('navigation').getByRole('link', { name: TEXT[locale].back, exact: true }).waitFor(WAIT);
    await meter(page).waitFor({ state: 'visible', ...WAIT });
  }],
];

const CASES = (['en', 'nl'] as const).flatMap((locale) => PAGES.map(([name, reach]) => [name, locale, reach] as const));

test.each(CASES)('%s (%s) has no WCAG 2.1 A/AA violations', async (_name, locale, reach) => {
  const { page } = await demo.open(BROWSER_LOCALE[locale]);
  await reach(page, locale);
  expect(await wcagViolations(page)).toEqual([]);
});
