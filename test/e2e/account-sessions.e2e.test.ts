/**
 * "Where you are logged in" on the account page, in Chromium: the demo professional logged in through the demo
 * relying party in two browsers; the page lists both (this one marked) and passes axe-core's WCAG 2.1 A/AA rules;
 * "Log out" on the other browser logs it out of Poort. Every page loads under its Content Security Policy without
 * console errors.
 */
import type { Page } from 'playwright-core';
import { DEMO } from '../../src/dev/seed.ts';
import { wcagViolations } from '../support/axe.ts';
import { NO_PROBLEMS, claimsOnCallback, fillLogin, gotoLogin, useDemoBrowser } from '../support/demo-browser.ts';

const demo = useDemoBrowser(import.meta.url);

async function logIn(page: Page): Promise<void> {
  await gotoLogin(page, demo.poort.issuer);
  await fillLogin(page, DEMO.email, DEMO.password);
  await claimsOnCallback(page);
}

async function openAccountPage(page: Page): Promise<void> {
  await page.goto(`${demo.poort.issuer}/account/security`);
  await page.waitForLoadState('load');
}

test('two browsers are listed, this one marked; "Log out" on the other logs it out of Poort', async () => {
  const other = await demo.open();
  const mine = await demo.open();
  try {
    await logIn(other.page);
    await logIn(mine.page);
    await openAccountPage(mine.page);

    const rows = mine.page.locator('#session-list li');
    expect(await rows.count()).toBe(2);
    expect(await rows.first().innerText()).toContain('(This browser)');
    expect(await wcagViolations(mine.page)).toEqual([]);

    const navigated = mine.page.waitForEvent('framenavigated', (frame) => frame === mine.page.mainFrame());
    await rows.nth(1).getByRole('button', { name: /^Log out / }).click();
    await navigated;
    await mine.page.waitForLoadState('load');
    expect(await mine.page.locator('#sessions').getByRole('status').innerText()).toBe('That browser was logged out.');
    expect(await rows.count()).toBe(1);

    await openAccountPage(other.page);
    expect(await other.page.locator('main').innerText()).toContain('You are not logged in.');
    expect({ mine: mine.problems, other: other.problems }).toEqual({ mine: NO_PROBLEMS, other: NO_PROBLEMS });
  } finally {
    await other.page.context().close();
  }
});
