/**
 * Browser tests: Debian's Chromium driven by playwright-core (no browser download). One browser per test file,
 * a fresh context (cookies, storage, locale) per test.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContextOptions, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches Chromium, or throws (so every test of the file fails, never skips) when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: the browser tests need it (Debian: apt-get install -y chromium)`);
  }
  try {
    return await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS, timeout: 30_000 });
  } catch (err) {
    throw new Error(`Chromium at ${CHROMIUM_PATH} did not start: ${(err as Error).message}`);
  }
}

/** What the page reported while a test ran: console errors, uncaught exceptions, CSP violations, failed loads. */
export interface PageProblems {
  consoleErrors: string[];
  pageErrors: string[];
  cspViolations: string[];
  failedRequests: string[];
}

/** Runs in every document before its own scripts (injected by the browser, outside the page's CSP). */
const REPORT_CSP_VIOLATIONS = `document.addEventListener('securitypolicyviolation', (event) => {
  window.__poortCspViolation(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') + ' at ' + event.documentURI);
});`;

/**
 * A fresh context and page that record every problem the page reports while the test runs. CSP violations are
 * caught twice: as Chromium's console error and through the page's `securitypolicyviolation` events.
 */
export async function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext(options);
  const problems: PageProblems = { consoleErrors: [], pageErrors: [], cspViolations: [], failedRequests: [] };
  await context.exposeBinding('__poortCspViolation', (_source, text: unknown) => {
    problems.cspViolations.push(String(text));
  });
  await context.addInitScript({ content: REPORT_CSP_VIOLATIONS });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => problems.pageErrors.push(error.message));
  page.on('requestfailed', (request) => problems.failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? 'failed'}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.failedRequests.push(`${response.url()}: HTTP ${response.status()}`);
  });
  return { context, page, problems };
}
