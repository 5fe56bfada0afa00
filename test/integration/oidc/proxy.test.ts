/**
 * Behind a TLS-terminating proxy: Poort listens on plain loopback HTTP; the proxy forwards X-Forwarded-Proto/Host.
 * With TRUST_PROXY=true and an https ISSUER everything Poort publishes, redirects to and sets is https. Without
 * TRUST_PROXY the forwarded headers are not believed: such requests never become https; Poort refuses them with a
 * clear 400 (https_required) rather than failing with a 500 on its Secure cookies.
 */
import { Agent, type Transport } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, exchange, login, oidc } from '../../support/rp.ts';

const PUBLIC = 'https://login.example.org';
const FORWARDED = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'login.example.org', 'x-forwarded-for': '203.0.113.7' };

/** What the proxy does: a request for https://login.example.org/… reaches Poort's loopback address with forwarded headers. */
function proxyTo(poort: TestPoort): Transport {
  return (url, init) => {
    const target = new URL(url);
    if (target.origin !== PUBLIC) return fetch(url, init);
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(FORWARDED)) headers.set(name, value);
    return fetch(`${poort.address}${target.pathname}${target.search}`, { ...init, headers });
  };
}

/** Every URL-valued field of a discovery document. */
function urlsIn(metadata: Record<string, unknown>): [string, string][] {
  return Object.entries(metadata).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && /^https?:\/\//.test(entry[1]));
}

const isSecureCookie = (line: string): boolean => line.split(';').slice(1).some((part) => part.trim().toLowerCase() === 'secure');

describe('with TRUST_PROXY=true and an https ISSUER', () => {
  let poort: TestPoort;
  let tenant: Tenant;
  let transport: Transport;

  beforeAll(async () => {
    poort = await startPoort('proxy-trusted', { TRUST_PROXY: 'true', ISSUER: PUBLIC });
    tenant = await createTenant(poort);
    transport = proxyTo(poort);
  });
  afterAll(async () => {
    await poort.close();
  });

  test('discovery over loopback HTTP with forwarded headers publishes only https://login.example.org endpoints, with HSTS', async () => {
    const response = await transport(`${PUBLIC}/.well-known/openid-configuration`, {});
    expect(response.status).toBe(200);
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata.issuer).toBe(PUBLIC);
    const urls = urlsIn(metadata);
    expect(urls.map(([key]) => key)).toEqual(expect.arrayContaining(['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint', 'revocation_endpoint']));
    for (const [key, url] of urls) expect(`${key}: ${url}`).toMatch(new RegExp(`^${key}: https://login\\.example\\.org(/|$)`));
  });

  test('a plain-HTTP request that bypasses the proxy (no X-Forwarded-Proto) is refused with https_required', async () => {
    const response = await fetch(`${poort.address}/.well-known/openid-configuration`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'https_required' });
  });

  test('the authorization request redirects to an https interaction URL and every cookie it sets is secure', async () => {
    const config = await oidc.discovery(new URL(PUBLIC), tenant.clientId, undefined, oidc.ClientSecretBasic(tenant.clientSecret), { [oidc.customFetch]: transport });
    const request = await authorizationRequest(config, tenant.redirectUri);
    const agent = new Agent({ transport });
    const response = await agent.request(request.url.toString());
    expect(response.status).toBe(303);
    expect(response.location).toMatch(/^https:\/\/login\.example\.org\/interaction\/[\w-]+$/);
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    const cookies = response.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    for (const line of cookies) expect({ line, secure: isSecureCookie(line) }).toEqual({ line, secure: true });

    const page = await agent.request(response.location as string);
    expect(page.status).toBe(200);
    expect(page.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    for (const line of page.headers.getSetCookie()) expect({ line, secure: isSecureCookie(line) }).toEqual({ line, secure: true });
  });

  test('a whole login through the proxy ends with tokens whose issuer is https://login.example.org', async () => {
    const config = await oidc.discovery(new URL(PUBLIC), tenant.clientId, undefined, oidc.ClientSecretBasic(tenant.clientSecret), { [oidc.customFetch]: transport });
    const agent = new Agent({ transport });
    const request = await authorizationRequest(config, tenant.redirectUri);
    const callback = await login(agent, PUBLIC, request, tenant.email, tenant.password);
    expect(callback.searchParams.get('iss')).toBe(PUBLIC);
    const tokens = await exchange(config, callback, request);
    expect(tokens.claims()?.iss).toBe(PUBLIC);
    expect(tokens.claims()?.sub).toBe(tenant.accountId);
  });
});

describe('with an https ISSUER but without TRUST_PROXY', () => {
  let poort: TestPoort;
  let tenant: Tenant;
  let transport: Transport;

  beforeAll(async () => {
    poort = await startPoort('proxy-untrusted', { ISSUER: PUBLIC });
    tenant = await createTenant(poort);
    transport = proxyTo(poort);
  });
  afterAll(async () => {
    await poort.close();
  });

  test('discovery with forwarded headers is refused with a clear https_required, never an http or https document', async () => {
    const response = await transport(`${PUBLIC}/.well-known/openid-configuration`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(400);
    expect(response.headers.get('strict-transport-security')).toBeNull();
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 400, code: 'https_required' });
    expect(String(body.detail)).toContain('TRUST_PROXY');
    expect(JSON.stringify(body)).not.toContain('login.example.org');
  });

  test('an authorization request gets a 400 page (not a 500, not an https redirect) and sets no cookie', async () => {
    const url = new URL(`${PUBLIC}/auth`);
    url.search = new URLSearchParams({ client_id: tenant.clientId, redirect_uri: tenant.redirectUri, response_type: 'code', scope: 'openid', nonce: 'n-1', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString();
    const response = await new Agent({ transport }).request(url.toString());
    expect(response.status).toBe(400);
    expect(response.location).toBeUndefined();
    expect(response.body).toContain('https_required');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  test('health checks still answer over plain HTTP', async () => {
    expect((await fetch(`${poort.address}/healthz`)).status).toBe(200);
    expect((await fetch(`${poort.address}/readyz`)).status).toBe(200);
  });
});
