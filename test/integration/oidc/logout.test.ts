/** RP-initiated logout: the confirm page (in the person's language) and what the session looks like afterwards. */
import { Agent } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, confirmLogout, discover, exchange, login, oidc, postLogoutUri, returnedToRp } from '../../support/rp.ts';

let poort: TestPoort;
let tenant: Tenant;
let config: oidc.Configuration;

beforeAll(async () => {
  poort = await startPoort('logout');
  tenant = await createTenant(poort);
  config = await discover(poort.issuer, tenant);
});
afterAll(async () => {
  await poort.close();
});

async function loggedInBrowser(headers: Record<string, string> = {}): Promise<{ agent: Agent; idToken: string }> {
  const agent = new Agent({ headers });
  const request = await authorizationRequest(config, tenant.redirectUri);
  const tokens = await exchange(config, await login(agent, poort.issuer, request, tenant.email, tenant.password), request);
  return { agent, idToken: tokens.id_token as string };
}

const language = (html: string): string | undefined => /<html[^>]*\slang="([^"]+)"/.exec(html)?.[1];

describe('the confirm page', () => {
  test('is English by default and names the client', async () => {
    const { agent, idToken } = await loggedInBrowser();
    const page = await agent.follow(oidc.buildEndSessionUrl(config, { id_token_hint: idToken }).toString(), poort.issuer);
    expect(page.status).toBe(200);
    expect(language(page.body)).toBe('en');
    expect(page.body).toContain('<h1>Log out</h1>');
    expect(page.body).toContain('Do you want to log out of Platform');
    expect(page.body).toContain('id="op.logoutForm"');
  });

  test('is Dutch with ui_locales=nl on the logout request', async () => {
    const { agent, idToken } = await loggedInBrowser();
    const page = await agent.follow(oidc.buildEndSessionUrl(config, { id_token_hint: idToken, ui_locales: 'nl' }).toString(), poort.issuer);
    expect(language(page.body)).toBe('nl');
    expect(page.body).toContain('<h1>Uitloggen</h1>');
    expect(page.body).toContain('Wil je uitloggen bij Platform');
    expect(page.body).toContain('Ingelogd blijven');
  });

  test('is Dutch with ui_locales=nl when the RP posts the logout request as a form', async () => {
    const { agent, idToken } = await loggedInBrowser();
    const endpoint = config.serverMetadata().end_session_endpoint as string;
    const page = await agent.follow(endpoint, poort.issuer, { form: { id_token_hint: idToken, ui_locales: 'nl' } });
    expect(page.status).toBe(200);
    expect(language(page.body)).toBe('nl');
    expect(page.body).toContain('<h1>Uitloggen</h1>');
  });

  test('is Dutch for a browser whose Accept-Language is nl', async () => {
    const { agent, idToken } = await loggedInBrowser({ 'accept-language': 'nl' });
    const page = await agent.follow(oidc.buildEndSessionUrl(config, { id_token_hint: idToken }).toString(), poort.issuer);
    expect(language(page.body)).toBe('nl');
    expect(page.body).toContain('<h1>Uitloggen</h1>');
  });
});

test('after logout the RP is sent to its post-logout URI with its state, and prompt=none answers login_required', async () => {
  const { agent, idToken } = await loggedInBrowser();
  const before = await authorizationRequest(config, tenant.redirectUri, { prompt: 'none' });
  expect(returnedToRp(await agent.follow(before.url.toString(), poort.issuer), tenant.redirectUri).searchParams.get('code')).toBeTruthy();

  const confirm = await agent.follow(oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: postLogoutUri(tenant), state: 'bye-1' }).toString(), poort.issuer);
  const done = await confirmLogout(agent, poort.issuer, confirm);
  const back = returnedToRp(done, postLogoutUri(tenant));
  expect(back.searchParams.get('state')).toBe('bye-1');

  const after = await authorizationRequest(config, tenant.redirectUri, { prompt: 'none' });
  const callback = returnedToRp(await agent.follow(after.url.toString(), poort.issuer), tenant.redirectUri);
  expect(callback.searchParams.get('error')).toBe('login_required');
  expect(callback.searchParams.has('code')).toBe(false);
});

test('without a post-logout URI the person sees the logged-out page in their browser language', async () => {
  const { agent, idToken } = await loggedInBrowser({ 'accept-language': 'nl' });
  const confirm = await agent.follow(oidc.buildEndSessionUrl(config, { id_token_hint: idToken }).toString(), poort.issuer);
  const done = await confirmLogout(agent, poort.issuer, confirm);
  expect(done.status).toBe(200);
  expect(done.body).toContain('Je bent uitgelogd.');
});
