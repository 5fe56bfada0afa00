/**
 * Helpers for the account security page tests: log in through the RP first (password, and a code when the account
 * has one), then GET the page and post its forms as a browser would (CSRF token from the page, 303 followed).
 */
import { en } from '../../src/i18n/en.ts';
import type { MessageKey } from '../../src/i18n/index.ts';
import { Agent, inputValue, type Page } from './browser.ts';
import type { Tenant, TestPoort } from './poort.ts';
import { callbackOf, idTokenOf, passwordStep } from './two-factor.ts';

export const ACCOUNT = '/account/security';

/** GETs a page of the account area (following redirects inside Poort). */
export function accountPage(poort: TestPoort, agent: Agent, path = ''): Promise<Page> {
  return agent.follow(`${poort.issuer}${ACCOUNT}${path}`, poort.issuer);
}

/**
 * Posts a form of the account area with the CSRF token of `page`; expects the 303 and answers the page it leads to.
 * `fields` may leave out `csrf`.
 */
export async function postAccount(poort: TestPoort, agent: Agent, page: Page, path: string, fields: Record<string, string> = {}): Promise<Page> {
  const posted = await agent.request(`${poort.issuer}${ACCOUNT}${path}`, { form: { csrf: inputValue(page.body, 'csrf') ?? '', ...fields } });
  if (posted.status !== 303 || !posted.location) throw new Error(`POST ${path} answered ${posted.status}: ${posted.body.slice(0, 300)}`);
  return agent.follow(posted.location, poort.issuer);
}

/** The alerts a page shows (errors), as text. */
export function alerts(page: Page): string[] {
  return [...page.body.matchAll(/<p[^>]*role="alert"[^>]*>([^<]*)<\/p>/g)].map((m) => m[1] ?? '');
}

/** The status messages a page shows (successes). */
export function notes(page: Page): string[] {
  return [...page.body.matchAll(/<p[^>]*role="status"[^>]*>([^<]*)<\/p>/g)].map((m) => m[1] ?? '');
}

/** An English message with its placeholders filled, as the page shows it (HTML-escaped like pug does). */
export function message(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const text = en[key].replace(/\{(\w+)\}/g, (whole, name: string) => String(vars[name] ?? whole));
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** True when the page is the account page itself (not the code step or the note to log in first). */
export function isAccountPage(page: Page): boolean {
  return page.status === 200 && page.body.includes(`action="${ACCOUNT}/password"`);
}

/** True when the page asks the session's code before the account page can be used. */
export function isCodeStep(page: Page): boolean {
  return page.status === 200 && page.body.includes(`action="${ACCOUNT}/verify"`) && !isAccountPage(page);
}

/** Logs in through the RP with the password only (an account without a second factor); answers the browser. */
export async function loginPasswordOnly(poort: TestPoort, tenant: Tenant, agent = new Agent()): Promise<Agent> {
  const login = await passwordStep(poort, tenant, {}, agent);
  await idTokenOf(login, callbackOf(login.step, tenant));
  return agent;
}

/** The recovery codes shown on a page (`XXXXX-XXXXX` in <li><code>). */
export function shownCodes(page: Page): string[] {
  return [...page.body.matchAll(/<li><code>([0-9A-Z]{5}-[0-9A-Z]{5})<\/code><\/li>/g)].map((m) => m[1] ?? '');
}

/** The authenticator key shown for manual entry, without spaces. */
export function shownSecret(page: Page): string {
  return /<code[^>]*id="secret"[^>]*>([^<]+)<\/code>/.exec(page.body)?.[1]?.replace(/\s/g, '') ?? '';
}

/** Security notices of one kind sent to `to` (dev outbox, newest first). */
export function notices(poort: TestPoort, to: string, kind: string): Array<{ subject?: string | undefined; text: string }> {
  return (poort.container.outbox?.list() ?? []).filter((m) => m.kind === 'mail' && m.to === to && m.purpose === `notice.${kind}`);
}

/** Audit events of one type about an account. */
export async function auditEvents(poort: TestPoort, accountId: string, type: string): Promise<Array<Record<string, unknown>>> {
  return poort.container.models.AuditEvent.find({ targetId: accountId, type }).lean<Array<Record<string, unknown>>>().exec();
}
