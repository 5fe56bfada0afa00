/**
 * The browser tests' fixture: a Poort with the dev demo seed (organisation, professional, demo relying party),
 * Debian's Chromium, a fresh browser context per test, and the steps every browser test takes through the pages.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO, seedDemo } from '../../src/dev/seed.ts';
import { launchChromium, openPage, type PageProblems } from './chromium.ts';
import { startPoort, type TestPoort } from './poort.ts';

export const NO_PROBLEMS: PageProblems = { consoleErrors: [], pageErrors: [], cspViolations: [], failedRequests: [] };

export interface DemoBrowser {
  poort: TestPoort;
  organisationId: string;
  /** The demo professional's account id: the `sub` of their ID tokens. */
  demoSub: string;
  /** A page in a fresh context (closed after the test), with the problems it records. */
  open(locale?: string): Promise<{ page: Page; problems: PageProblems }>;
}

/** Registers the jest hooks; the returned object is filled in before the first test. */
export function useDemoBrowser(tag: string, setup: (demo: DemoBrowser) => Promise<void> = async () => undefined): DemoBrowser {
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  // poort, organisationId and demoSub are filled in by beforeAll: tests only read them once it has run.
  const demo = {
    async open(locale = 'en-GB') {
      if (!browser) throw new Error('Chromium did not start (see beforeAll)');
      const opened = await openPage(browser, { locale });
      context = opened.context;
      return opened;
    },
  } as unknown as DemoBrowser;

  beforeAll(async () => {
    demo.poort = await startPoort(tag);
    ({ organisationId: demo.organisationId } = await seedDemo(demo.poort.container));
    const account = await demo.poort.container.accounts.findByEmail(demo.organisationId, DEMO.email);
    if (!account) throw new Error('seedDemo did not create the demo account');
    demo.demoSub = account._id;
    await setup(demo);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await demo.poort?.close();
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  return demo;
}

/** Opens the demo RP, which redirects to Poort's login page. */
export async function gotoLogin(page: Page, issuer: string): Promise<void> {
  await page.goto(`${issuer}/dev/demo-rp/start`);
  await page.waitForURL(/\/interaction\/[^/]+$/);
}

/** Clicks a submit button and waits until the page it leads to (after Poort's redirects) has loaded. */
export async function submit(page: Page, button: string): Promise<void> {
  const navigated = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame());
  await page.getByRole('button', { name: button, exact: true }).click();
  await navigated;
  await page.waitForLoadState('load');
}

export async function fillLogin(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('E-mail address', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await submit(page, 'Log in');
}

/** The ID token claims the demo RP's callback page shows. */
export async function claimsOnCallback(page: Page): Promise<Record<string, unknown>> {
  await page.waitForURL((url) => url.pathname === '/dev/demo-rp/callback');
  await page.getByRole('status').waitFor({ state: 'visible', timeout: 10_000 });
  return JSON.parse(await page.locator('#claims').innerText()) as Record<string, unknown>;
}
