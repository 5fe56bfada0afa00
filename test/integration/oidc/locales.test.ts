/** Language of the login page: the `ui_locales` request parameter, then Accept-Language; English otherwise. */
import { Agent } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, discover, oidc } from '../../support/rp.ts';

let poort: TestPoort;
let tenant: Tenant;
let config: oidc.Configuration;

beforeAll(async () => {
  poort = await startPoort('locales');
  tenant = await createTenant(poort);
  config = await discover(poort.issuer, tenant);
});
afterAll(async () => {
  await poort.close();
});

/** Opens the login page for a fresh authorization request in a browser sending `acceptLanguage` (if any). */
async function loginPage(params: Record<string, string>, acceptLanguage?: string): Promise<string> {
  const agent = new Agent({ headers: acceptLanguage ? { 'accept-language': acceptLanguage } : {} });
  const request = await authorizationRequest(config, tenant.redirectUri, params);
  const page = await agent.follow(request.url.toString(), poort.issuer);
  expect(page.status).toBe(200);
  return page.body;
}

const language = (html: string): string | undefined => /<html[^>]*\slang="([^"]+)"/.exec(html)?.[1];

test('without any preference the login page is English', async () => {
  const html = await loginPage({});
  expect(language(html)).toBe('en');
  expect(html).toContain('<h1>Log in</h1>');
  expect(html).toContain('E-mail address');
});

test('ui_locales=nl renders the Dutch login page', async () => {
  const html = await loginPage({ ui_locales: 'nl' });
  expect(language(html)).toBe('nl');
  expect(html).toContain('<h1>Inloggen</h1>');
  expect(html).toContain('E-mailadres');
  expect(html).toContain('Wachtwoord');
  expect(html).not.toContain('Password');
});

test('ui_locales picks the first supported language of its list (region tags count by their language)', async () => {
  expect(language(await loginPage({ ui_locales: 'fr-FR nl-BE en' }))).toBe('nl');
});

test('Accept-Language nl renders the Dutch login page', async () => {
  const html = await loginPage({}, 'nl-NL,nl;q=0.9,en;q=0.5');
  expect(language(html)).toBe('nl');
  expect(html).toContain('<h1>Inloggen</h1>');
});

test('ui_locales wins over Accept-Language, in both directions', async () => {
  const english = await loginPage({ ui_locales: 'en' }, 'nl');
  expect(language(english)).toBe('en');
  expect(english).toContain('<h1>Log in</h1>');
  const dutch = await loginPage({ ui_locales: 'nl' }, 'en-GB,en;q=0.9');
  expect(language(dutch)).toBe('nl');
  expect(dutch).toContain('<h1>Inloggen</h1>');
});
