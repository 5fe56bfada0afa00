/**
 * Authorization requests Poort must refuse: a redirect URI that is not exactly a registered one (answered at Poort,
 * never by sending the browser there), implicit and hybrid response types, and unknown clients.
 */
import { en } from '../../../src/i18n/en.ts';
import { Agent, type Page } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { discover, oidc } from '../../support/rp.ts';
import { expectErrorPage } from '../../support/security.ts';

let poort: TestPoort;
let tenant: Tenant;
let authorizationEndpoint: string;

beforeAll(async () => {
  poort = await startPoort('security-authorization');
  tenant = await createTenant(poort);
  authorizationEndpoint = (await discover(poort.issuer, tenant)).serverMetadata().authorization_endpoint ?? '';
});
afterAll(async () => {
  await poort.close();
});

async function authorize(params: Record<string, string>): Promise<{ pages: Page[]; last: Page }> {
  const url = new URL(authorizationEndpoint);
  const defaults = {
    client_id: tenant.clientId,
    redirect_uri: tenant.redirectUri,
    response_type: 'code',
    scope: 'openid',
    state: 'state-1',
    nonce: 'nonce-1',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  };
  for (const [key, value] of Object.entries({ ...defaults, ...params })) url.searchParams.set(key, value);
  const agent = new Agent();
  const pages: Page[] = [await agent.request(url.toString())];
  for (let page = pages[0]!; page.location?.startsWith(poort.issuer) && pages.length < 10;) {
    page = await agent.request(page.location);
    pages.push(page);
  }
  return { pages, last: pages.at(-1)! };
}

/** The request ended on a Poort error page, and nothing sends the browser on outside Poort. */
function expectRefusedAtPoort(result: { pages: Page[]; last: Page }, unexpected?: string): void {
  expectErrorPage(result.last, 400);
  expect(result.last.body).toContain(en['error.badRequest']);
  for (const page of result.pages) {
    if (page.location) expect(page.location.startsWith(poort.issuer)).toBe(true);
    expect(page.headers.get('refresh')).toBeNull();
  }
  expect(result.last.body).not.toMatch(/<form[^>]*action="https?:|http-equiv="refresh"|<script/i);
  if (unexpected) expect(result.last.body).not.toContain(`href="${unexpected}`);
}

test('the registered redirect URI itself leads to the login page (the control case)', async () => {
  const { last } = await authorize({});
  expect(last.status).toBe(200);
  expect(last.url).toContain('/interaction/');
});

const variants: Array<[string, (uri: string) => string]> = [
  ['an unregistered URI', () => 'https://attacker.example.net/callback'],
  ['an extra path segment', (uri) => `${uri}/more`],
  ['a different path', (uri) => uri.replace('/callback', '/callback2')],
  ['a trailing slash', (uri) => `${uri}/`],
  ['an added query', (uri) => `${uri}?next=https://attacker.example.net`],
  ['an empty query', (uri) => `${uri}?`],
  ['a fragment', (uri) => `${uri}#x`],
  ['upper case in the host', (uri) => uri.replace('//rp', '//RP')],
  ['upper case in the path', (uri) => uri.replace('/callback', '/Callback')],
  ['http instead of https', (uri) => uri.replace('https:', 'http:')],
  ['an explicit default port', (uri) => uri.replace('.org/', '.org:443/')],
  ['another port', (uri) => uri.replace('.org/', '.org:8443/')],
  ['a user-info part', (uri) => uri.replace('https://', 'https://attacker@')],
  ['a sub-domain', (uri) => uri.replace('https://', 'https://evil.')],
  ['a percent-encoded path', (uri) => uri.replace('/callback', '/%63allback')],
];

test.each(variants)('a redirect URI with %s is refused at Poort, with no redirect to it', async (_name, alter) => {
  const altered = alter(tenant.redirectUri);
  expect(altered).not.toBe(tenant.redirectUri);
  const result = await authorize({ redirect_uri: altered });
  expectRefusedAtPoort(result, altered);
  expect(result.last.body).toContain('redirect_uri');
});

test('a request without redirect_uri is refused at Poort even though the client has a single one registered', async () => {
  const url = new URL(authorizationEndpoint);
  url.searchParams.set('client_id', tenant.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', 'openid');
  url.searchParams.set('code_challenge', await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()));
  url.searchParams.set('code_challenge_method', 'S256');
  const page = await new Agent().request(url.toString());
  expectRefusedAtPoort({ pages: [page], last: page }, tenant.redirectUri);
  expect(page.body).toContain('redirect_uri');
});

test.each(['token', 'id_token', 'id_token token', 'code id_token', 'code token', 'none'])('response_type=%s is refused, and nothing is issued', async (responseType) => {
  const result = await authorize({ response_type: responseType });
  // The client and its redirect URI are genuine, so the refusal goes back to that registered URI (RFC 6749
  // §4.1.2.1), in the fragment for the response types that would have put tokens there; no login page was shown.
  const { location } = result.last;
  expect(location?.startsWith(`${tenant.redirectUri}${responseType === 'none' ? '?' : '#'}`)).toBe(true);
  const answer = new URLSearchParams(new URL(location ?? '').search || new URL(location ?? '').hash.slice(1));
  expect(answer.get('error')).toBe('unsupported_response_type');
  expect(answer.get('state')).toBe('state-1');
  for (const issued of ['code', 'access_token', 'id_token']) expect(answer.get(issued)).toBeNull();
  for (const page of result.pages) expect(page.url).not.toContain('/interaction/');
});

test('an unknown client_id gets an error page at Poort and no redirect', async () => {
  const result = await authorize({ client_id: 'no-such-client' });
  expectRefusedAtPoort(result, tenant.redirectUri);
  expect(result.last.body).toContain('invalid_client');
});

test('a missing client_id gets an error page at Poort', async () => {
  const url = new URL(authorizationEndpoint);
  url.searchParams.set('redirect_uri', tenant.redirectUri);
  url.searchParams.set('response_type', 'code');
  const page = await new Agent().request(url.toString());
  expectRefusedAtPoort({ pages: [page], last: page }, tenant.redirectUri);
});
