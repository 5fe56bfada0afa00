/**
 * What every browser-facing answer promises: security headers on the pages, cookies a script or a cross-site form
 * cannot use, 303 after every POST, a friendly page for a lost interaction, and RFC 9457 JSON for API clients.
 */
import { en } from '../../../src/i18n/en.ts';
import { storedId } from '../../../src/db/oidc-storage.ts';
import { oidcCollection } from '../../../src/oidc/adapter.ts';
import { Agent, type Page } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { exchange, postLogoutUri, oidc } from '../../support/rp.ts';
import { attempt, expectErrorPage, expectNoLeak, openLogin, postLogin } from '../../support/security.ts';

let poort: TestPoort;
let tenant: Tenant;
let thirdParty: Tenant;

beforeAll(async () => {
  poort = await startPoort('security-pages');
  tenant = await createTenant(poort);
  thirdParty = await createTenant(poort, { firstParty: false });
});
afterAll(async () => {
  await poort.close();
});

function directives(csp: string | null): Map<string, string[]> {
  return new Map((csp ?? '').split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name = '', ...values]) => [name, values]));
}

function expectPageHeaders(page: Page): void {
  const csp = page.headers.get('content-security-policy');
  expect(directives(csp).get('frame-ancestors')).toEqual(["'none'"]);
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  expect(page.headers.get('cache-control')).toContain('no-store');
  expect(page.headers.get('x-frame-options')).toBe('DENY');
  expect(page.headers.get('x-content-type-options')).toBe('nosniff');
}

/** Every cookie set on the way: HttpOnly and SameSite=Lax (Secure only applies behind TLS). */
function expectSafeCookies(pages: Page[]): number {
  let count = 0;
  for (const page of pages) {
    for (const line of page.headers.getSetCookie()) {
      count += 1;
      expect({ line, httpOnly: /;\s*httponly/i.test(line) }).toEqual({ line, httpOnly: true });
      expect({ line, sameSite: /;\s*samesite=([a-z]+)/i.exec(line)?.[1]?.toLowerCase() }).toEqual({ line, sameSite: 'lax' });
    }
  }
  return count;
}

test('the login page carries CSP without inline script, no-store and DENY framing; its cookies are HttpOnly and Lax', async () => {
  const login = await openLogin(poort, tenant);
  expect(login.page.status).toBe(200);
  expectPageHeaders(login.page);
  expect(login.page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  expect(login.page.body).not.toMatch(/\son[a-z]+="/);

  const agent = new Agent();
  const pages: Page[] = [await agent.request(login.request.url.toString())];
  while (pages.at(-1)?.location?.startsWith(poort.issuer)) pages.push(await agent.request(pages.at(-1)!.location!));
  expect(expectSafeCookies(pages)).toBeGreaterThanOrEqual(2);
});

test('every POST of a login with consent and logout answers 303, with safe cookies and headers throughout', async () => {
  const login = await openLogin(poort, thirdParty, { scope: 'openid email' });
  const seen: Page[] = [login.page];

  const wrong = await postLogin(login, thirdParty.email, 'Wrong password 1!');
  seen.push(wrong);
  expect(wrong.status).toBe(303);
  const again = await login.agent.request(wrong.location!);
  seen.push(again);
  expectPageHeaders(again);

  const right = await postLogin(login, thirdParty.email, thirdParty.password);
  seen.push(right);
  expect(right.status).toBe(303);
  let page = right;
  while (page.location?.startsWith(poort.issuer)) {
    page = await login.agent.request(page.location);
    seen.push(page);
  }
  expect(page.body).toContain('/confirm"');
  expectPageHeaders(page);
  const consentBase = page.url;
  const confirmed = await login.agent.request(`${consentBase}/confirm`, { form: { csrf: login.csrf } });
  seen.push(confirmed);
  expect(confirmed.status).toBe(303);
  page = confirmed;
  while (page.location?.startsWith(poort.issuer)) {
    page = await login.agent.request(page.location);
    seen.push(page);
  }
  const tokens = await exchange(login.config, new URL(page.location!), login.request);

  // Cancel on a fresh login page: 303 too, and the RP hears access_denied.
  const other = await openLogin(poort, tenant);
  const aborted = await other.agent.request(`${other.base}/abort`, { form: { csrf: other.csrf } });
  seen.push(aborted);
  expect(aborted.status).toBe(303);
  const denied = await other.agent.follow(aborted.location!, poort.issuer);
  expect(new URL(denied.location!).searchParams.get('error')).toBe('access_denied');

  // RP-initiated logout's confirmation POST.
  const logoutUrl = oidc.buildEndSessionUrl(login.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: postLogoutUri(thirdParty) });
  const confirm = await login.agent.follow(logoutUrl.toString(), poort.issuer);
  expectPageHeaders(confirm);
  const action = /<form[^>]*action="([^"]*)"/.exec(confirm.body)?.[1] ?? '';
  const loggedOut = await login.agent.request(new URL(action, poort.issuer).toString(), { form: { xsrf: /name="xsrf" value="([^"]*)"/.exec(confirm.body)?.[1] ?? '', logout: 'yes' } });
  seen.push(loggedOut);
  expect(loggedOut.status).toBe(303);

  expect(expectSafeCookies(seen)).toBeGreaterThanOrEqual(3);
});

test('an unknown or expired interaction gets a friendly 400 page', async () => {
  const unknown = await new Agent().request(`${poort.issuer}/interaction/no-such-interaction-uid`);
  expectErrorPage(unknown, 400);
  expect(unknown.body).toContain(en['error.sessionExpired']);
  expectPageHeaders(unknown);

  const login = await openLogin(poort, tenant);
  // Another interaction's uid with this browser's interaction cookie.
  const foreign = await login.agent.request(`${poort.issuer}/interaction/${login.uid.slice(0, -3)}xyz`);
  expectErrorPage(foreign, 400);
  expect(foreign.body).toContain(en['error.sessionExpired']);

  // Expire the interaction as time would (the stored expiry passes), then use it.
  await oidcCollection(poort.container.db, 'Interaction').updateOne({ _id: storedId('Interaction', login.uid) }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
  const expiredPage = await login.agent.request(login.base);
  expectErrorPage(expiredPage, 400);
  expect(expiredPage.body).toContain(en['error.sessionExpired']);
  const expiredPost = await postLogin(login, tenant.email, tenant.password);
  expectErrorPage(expiredPost, 400);
  expect(expiredPost.body).toContain(en['error.sessionExpired']);
  expect(expiredPost.location).toBeUndefined();
  const expiredAbort = await login.agent.request(`${login.base}/abort`, { form: { csrf: login.csrf } });
  expectErrorPage(expiredAbort, 400);
});

test('a JSON client gets RFC 9457 problem JSON for an unknown path and for a lost interaction', async () => {
  for (const [path, status] of [['/no/such/path', 404], ['/interaction/no-such-uid', 400]] as const) {
    const response = await fetch(`${poort.issuer}${path}`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const text = await response.text();
    expectNoLeak(text);
    const problem = JSON.parse(text) as Record<string, unknown>;
    expect(problem.status).toBe(status);
    expect(typeof problem.type).toBe('string');
    expect(String(problem.type).length).toBeGreaterThan(0);
    expect(typeof problem.title).toBe('string');
  }
  // A browser asking for the same unknown path gets a page.
  const page = await new Agent().request(`${poort.issuer}/no/such/path`);
  expectErrorPage(page, 404);
  expect(page.body).toContain(en['error.notFound']);
});

test('an overlong password gets the form message, not an error page', async () => {
  const login = await openLogin(poort, tenant);
  const result = await attempt(login, tenant.email, 'x'.repeat(5000));
  expect(result.verdict).toBe('invalid');
  expectNoLeak(result.page.body);
});
