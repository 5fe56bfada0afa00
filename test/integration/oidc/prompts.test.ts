/**
 * Authorization request parameters that steer whether the login page is shown: prompt=none|login, max_age,
 * id_token_hint and login_hint. Each test uses its own browser (Agent = cookie jar = session).
 */
import { Agent, inputValue } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, discover, exchange, login, oidc, returnedToRp, submitLogin } from '../../support/rp.ts';

let poort: TestPoort;
let tenant: Tenant;
let config: oidc.Configuration;

beforeAll(async () => {
  poort = await startPoort('prompts');
  tenant = await createTenant(poort);
  config = await discover(poort.issuer, tenant);
});
afterAll(async () => {
  await poort.close();
});

/** A browser with a Poort session for the tenant's account, plus the ID token of that first login. */
async function loggedInBrowser(): Promise<{ agent: Agent; idToken: string; authTime: number }> {
  const agent = new Agent();
  const request = await authorizationRequest(config, tenant.redirectUri);
  const tokens = await exchange(config, await login(agent, poort.issuer, request, tenant.email, tenant.password), request);
  return { agent, idToken: tokens.id_token as string, authTime: Number(tokens.claims()?.auth_time) };
}

const isLoginPage = (body: string): boolean => /<form[^>]*action="[^"]*\/interaction\/[^"]+\/login"/.test(body);

describe('prompt=none', () => {
  test('without a session the RP gets login_required back, with its state, and no page is shown', async () => {
    const request = await authorizationRequest(config, tenant.redirectUri, { prompt: 'none' });
    const pages = await new Agent().trace(request.url.toString(), poort.issuer);
    expect(pages.every((page) => page.status >= 300 && page.status < 400)).toBe(true);
    const callback = returnedToRp(pages[pages.length - 1]!, tenant.redirectUri);
    expect(callback.searchParams.get('error')).toBe('login_required');
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.has('code')).toBe(false);
  });

  test('with a session the RP gets a code without any page being shown', async () => {
    const { agent } = await loggedInBrowser();
    const request = await authorizationRequest(config, tenant.redirectUri, { prompt: 'none' });
    const pages = await agent.trace(request.url.toString(), poort.issuer);
    expect(pages.every((page) => page.status >= 300 && page.status < 400)).toBe(true);
    const callback = returnedToRp(pages[pages.length - 1]!, tenant.redirectUri);
    const tokens = await exchange(config, callback, request);
    expect(tokens.claims()?.sub).toBe(tenant.accountId);
  });
});

test('prompt=login with a session shows the login page again and the new login completes', async () => {
  const { agent } = await loggedInBrowser();
  const request = await authorizationRequest(config, tenant.redirectUri, { prompt: 'login' });
  const page = await agent.follow(request.url.toString(), poort.issuer);
  expect(page.status).toBe(200);
  expect(isLoginPage(page.body)).toBe(true);
  const done = await submitLogin(agent, poort.issuer, page, tenant.email, tenant.password);
  const tokens = await exchange(config, returnedToRp(done, tenant.redirectUri), request);
  expect(tokens.claims()?.sub).toBe(tenant.accountId);
});

test('max_age=0 with a session shows the login page again and the ID token carries a fresh auth_time', async () => {
  const { agent, authTime } = await loggedInBrowser();
  // auth_time has one-second resolution: let the clock pass the first login's second so "fresh" is visible.
  while (Math.floor(Date.now() / 1000) <= authTime) await new Promise((resolve) => setTimeout(resolve, 50));
  const request = await authorizationRequest(config, tenant.redirectUri, { max_age: '0' });
  const page = await agent.follow(request.url.toString(), poort.issuer);
  expect(isLoginPage(page.body)).toBe(true);
  const before = Math.floor(Date.now() / 1000);
  const done = await submitLogin(agent, poort.issuer, page, tenant.email, tenant.password);
  const tokens = await exchange(config, returnedToRp(done, tenant.redirectUri), request);
  expect(Number(tokens.claims()?.auth_time)).toBeGreaterThan(authTime);
  expect(Number(tokens.claims()?.auth_time)).toBeGreaterThanOrEqual(before);
});

describe('id_token_hint', () => {
  let otherIdToken: string;
  beforeAll(async () => {
    // A second person of the same organisation logs in elsewhere; their ID token is the hint.
    const other = { email: 'second.person@example.org', password: 'Another horse 2!battery' };
    await poort.container.accounts.create({ organisationId: tenant.organisationId, email: other.email, password: other.password, role: 'client', name: 'Second Person' });
    const request = await authorizationRequest(config, tenant.redirectUri);
    const tokens = await exchange(config, await login(new Agent(), poort.issuer, request, other.email, other.password), request);
    otherIdToken = tokens.id_token as string;
    expect(tokens.claims()?.sub).not.toBe(tenant.accountId);
  });

  test('of the session subject: prompt=none returns a code', async () => {
    const { agent, idToken } = await loggedInBrowser();
    const request = await authorizationRequest(config, tenant.redirectUri, { prompt: 'none', id_token_hint: idToken });
    const callback = returnedToRp(await agent.follow(request.url.toString(), poort.issuer), tenant.redirectUri);
    expect(callback.searchParams.get('code')).toBeTruthy();
  });

  test('of another subject than the session: the login page is shown', async () => {
    const { agent } = await loggedInBrowser();
    const request = await authorizationRequest(config, tenant.redirectUri, { id_token_hint: otherIdToken });
    const page = await agent.follow(request.url.toString(), poort.issuer);
    expect(page.status).toBe(200);
    expect(isLoginPage(page.body)).toBe(true);
  });

  test('of another subject than the session, with prompt=none: login_required', async () => {
    const { agent } = await loggedInBrowser();
    const request = await authorizationRequest(config, tenant.redirectUri, { prompt: 'none', id_token_hint: otherIdToken });
    const callback = returnedToRp(await agent.follow(request.url.toString(), poort.issuer), tenant.redirectUri);
    expect(callback.searchParams.get('error')).toBe('login_required');
    expect(callback.searchParams.has('code')).toBe(false);
  });
});

test('login_hint prefills the e-mail field of the login page', async () => {
  const request = await authorizationRequest(config, tenant.redirectUri, { login_hint: 'hinted.person@example.org' });
  const page = await new Agent().follow(request.url.toString(), poort.issuer);
  expect(isLoginPage(page.body)).toBe(true);
  expect(inputValue(page.body, 'email')).toBe('hinted.person@example.org');
  const plain = await new Agent().follow((await authorizationRequest(config, tenant.redirectUri)).url.toString(), poort.issuer);
  expect(inputValue(plain.body, 'email')).toBe('');
});
