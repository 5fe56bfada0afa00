/** Consent for a client that is not first-party: the page, "Allow", "Deny", and not asking twice. */
import { Agent, inputValue, type Page } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, discover, exchange, oidc, returnedToRp, submitInteractionForm, submitLogin, type AuthRequest } from '../../support/rp.ts';

let poort: TestPoort;
let tenant: Tenant;
let config: oidc.Configuration;

beforeAll(async () => {
  poort = await startPoort('consent');
  tenant = await createTenant(poort, { firstParty: false });
  config = await discover(poort.issuer, tenant);
});
afterAll(async () => {
  await poort.close();
});

/** Authorize → login page → password; returns what Poort shows next (the consent page for this client). */
async function loginUntilConsent(agent: Agent, extra: Record<string, string> = {}): Promise<{ request: AuthRequest; page: Page }> {
  const request = await authorizationRequest(config, tenant.redirectUri, { scope: 'openid profile email', ...extra });
  const loginPage = await agent.follow(request.url.toString(), poort.issuer);
  const page = await submitLogin(agent, poort.issuer, loginPage, tenant.email, tenant.password);
  return { request, page };
}

test('after the password, the consent page lists the requested scopes and carries a CSRF field on both forms', async () => {
  const { page } = await loginUntilConsent(new Agent());
  expect(page.status).toBe(200);
  expect(page.location).toBeUndefined();
  expect(page.body).toContain('<h1>Allow access</h1>');
  expect(page.body).toContain('Platform');
  for (const text of ['Your identity on this platform', 'Your name', 'Your e-mail address']) expect(page.body).toContain(text);
  expect(page.body).not.toContain('Staying logged in');
  const forms = [...page.body.matchAll(/<form[^>]*action="([^"]*)"[\s\S]*?<\/form>/g)];
  const actions = forms.map((form) => form[1]);
  expect(actions).toEqual(expect.arrayContaining([expect.stringMatching(/\/confirm$/), expect.stringMatching(/\/abort$/)]));
  for (const form of forms) expect(inputValue(form[0], 'csrf')).toMatch(/^[\w-]{43}$/);
  expect(page.headers.get('cache-control')).toContain('no-store');
});

test('"Allow" with a wrong CSRF value is refused and grants nothing', async () => {
  const agent = new Agent();
  const { page } = await loginUntilConsent(agent);
  const action = /<form[^>]*action="([^"]*\/confirm)"/.exec(page.body)?.[1] as string;
  const refused = await agent.request(new URL(action, poort.issuer).toString(), { form: { csrf: 'x'.repeat(43) } });
  expect(refused.status).toBe(403);
  expect(refused.location).toBeUndefined();
  const still = await agent.request(page.url);
  expect(still.body).toContain('<h1>Allow access</h1>');
});

test('"Allow" finishes with a code whose tokens carry the consented claims', async () => {
  const agent = new Agent();
  const { request, page } = await loginUntilConsent(agent);
  const done = await submitInteractionForm(agent, poort.issuer, page, '/confirm');
  const tokens = await exchange(config, returnedToRp(done, tenant.redirectUri), request);
  expect(tokens.claims()?.sub).toBe(tenant.accountId);
  const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, tenant.accountId);
  expect(userinfo.email).toBe(tenant.email);
  expect(userinfo.name).toBeDefined();
});

test('"Deny" returns access_denied to the RP, with its state and without a code', async () => {
  const agent = new Agent();
  const { request, page } = await loginUntilConsent(agent);
  const done = await submitInteractionForm(agent, poort.issuer, page, '/abort');
  const callback = returnedToRp(done, tenant.redirectUri);
  expect(callback.searchParams.get('error')).toBe('access_denied');
  expect(callback.searchParams.get('state')).toBe(request.state);
  expect(callback.searchParams.has('code')).toBe(false);
});

test('a second login by the same client does not ask consent again', async () => {
  const agent = new Agent();
  const first = await loginUntilConsent(agent);
  await submitInteractionForm(agent, poort.issuer, first.page, '/confirm');

  // The RP comes back later and makes the person log in again (prompt=login): password, then straight to the RP.
  const again = await loginUntilConsent(agent, { prompt: 'login' });
  const tokens = await exchange(config, returnedToRp(again.page, tenant.redirectUri), again.request);
  expect(tokens.claims()?.sub).toBe(tenant.accountId);

  // And a plain request in the same browser gets its code without any page.
  const request = await authorizationRequest(config, tenant.redirectUri, { scope: 'openid profile email' });
  const pages = await agent.trace(request.url.toString(), poort.issuer);
  expect(pages.every((p) => p.status >= 300 && p.status < 400)).toBe(true);
  expect(returnedToRp(pages[pages.length - 1]!, tenant.redirectUri).searchParams.get('code')).toBeTruthy();
});

test('asking for more than was consented (offline_access) shows the consent page again, listing it', async () => {
  const agent = new Agent();
  const first = await loginUntilConsent(agent);
  await submitInteractionForm(agent, poort.issuer, first.page, '/confirm');
  const request = await authorizationRequest(config, tenant.redirectUri, { scope: 'openid profile email offline_access', prompt: 'consent' });
  const page = await agent.follow(request.url.toString(), poort.issuer);
  expect(page.status).toBe(200);
  expect(page.body).toContain('<h1>Allow access</h1>');
  expect(page.body).toContain('Staying logged in');
});
