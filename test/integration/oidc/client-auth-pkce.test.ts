/**
 * Client authentication at the token endpoint (client_secret_post as well as basic) and PKCE rules: required with
 * S256 by default and always for public clients; optional for a confidential client created with `pkce: 'optional'`,
 * which then needs no nonce either (OpenID Connect Core: nonce is optional in the code flow).
 */
import { Agent } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, discover, exchange, login, oidc, returnedToRp } from '../../support/rp.ts';

let poort: TestPoort;

beforeAll(async () => {
  poort = await startPoort('client-auth-pkce');
});
afterAll(async () => {
  await poort.close();
});

/** Logs in through the pages with a standard (PKCE + nonce) request and returns the RP callback. */
async function codeFor(tenant: Tenant, config: oidc.Configuration) {
  const request = await authorizationRequest(config, tenant.redirectUri);
  const callback = await login(new Agent(), poort.issuer, request, tenant.email, tenant.password);
  return { request, callback };
}

describe('client_secret_post', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await createTenant(poort, { authMethod: 'client_secret_post' });
  });

  test('a client created with client_secret_post completes the code flow sending its secret in the body', async () => {
    const config = await discover(poort.issuer, tenant, 'post');
    const { request, callback } = await codeFor(tenant, config);
    const tokens = await exchange(config, callback, request);
    expect(tokens.claims()?.sub).toBe(tenant.accountId);
    expect(tokens.claims()?.aud).toBe(tenant.clientId);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, tenant.accountId);
    expect(userinfo.email).toBe(tenant.email);
  });

  test('a wrong client secret is refused with invalid_client; the right one still redeems the code', async () => {
    const config = await discover(poort.issuer, tenant, 'post');
    const { request, callback } = await codeFor(tenant, config);
    const impostor = await discover(poort.issuer, { clientId: tenant.clientId, clientSecret: `${tenant.clientSecret}x` }, 'post');
    await expect(exchange(impostor, callback, request)).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
    const tokens = await exchange(config, callback, request);
    expect(tokens.claims()?.sub).toBe(tenant.accountId);
  });
});

describe('PKCE', () => {
  test('a confidential client created with pkce optional logs in without PKCE when it sends a nonce', async () => {
    const tenant = await createTenant(poort, { pkce: 'optional' });
    const config = await discover(poort.issuer, tenant);
    const nonce = oidc.randomNonce();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: tenant.redirectUri, scope: 'openid email', nonce, state });
    expect(url.searchParams.has('code_challenge')).toBe(false);
    const callback = await login(new Agent(), poort.issuer, { url, verifier: '', nonce, state }, tenant.email, tenant.password);
    expect(callback.searchParams.get('code')).toBeTruthy();
    const tokens = await oidc.authorizationCodeGrant(config, callback, { expectedNonce: nonce, expectedState: state, idTokenExpected: true });
    expect(tokens.claims()?.nonce).toBe(nonce);
    expect(tokens.claims()?.sub).toBe(tenant.accountId);
  });

  test('a confidential client created with pkce optional logs in with neither PKCE nor a nonce (state only)', async () => {
    const tenant = await createTenant(poort, { pkce: 'optional' });
    const config = await discover(poort.issuer, tenant);
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: tenant.redirectUri, scope: 'openid', state });
    expect(url.searchParams.has('code_challenge')).toBe(false);
    expect(url.searchParams.has('nonce')).toBe(false);
    const callback = await login(new Agent(), poort.issuer, { url, verifier: '', nonce: '', state }, tenant.email, tenant.password);
    expect(callback.searchParams.get('error')).toBeNull();
    const tokens = await oidc.authorizationCodeGrant(config, callback, { expectedState: state, idTokenExpected: true });
    expect(tokens.claims()?.sub).toBe(tenant.accountId);
    expect(tokens.claims()?.nonce).toBeUndefined();
  });

  test('a public client always needs PKCE, even when it sends a nonce', async () => {
    const tenant = await createTenant(poort);
    const { clientId } = await poort.container.clients.create({
      organisationId: tenant.organisationId, name: 'Public app', redirectUris: [tenant.redirectUri], postLogoutRedirectUris: [], public: true,
    });
    const config = await discover(poort.issuer, { clientId, clientSecret: 'not-used-by-the-authorization-url' });
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: tenant.redirectUri, scope: 'openid', nonce: oidc.randomNonce(), state: 'st-p' });
    const callback = returnedToRp(await new Agent().follow(url.toString(), poort.issuer), tenant.redirectUri);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toMatch(/PKCE/i);
    expect(callback.searchParams.has('code')).toBe(false);
  });

  test('a default client (PKCE required) that sends no code_challenge gets invalid_request back, without a code', async () => {
    const tenant = await createTenant(poort);
    const config = await discover(poort.issuer, tenant);
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: tenant.redirectUri, scope: 'openid', nonce: oidc.randomNonce(), state: 'st-1' });
    const page = await new Agent().follow(url.toString(), poort.issuer);
    const callback = returnedToRp(page, tenant.redirectUri);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toMatch(/PKCE/i);
    expect(callback.searchParams.get('state')).toBe('st-1');
    expect(callback.searchParams.has('code')).toBe(false);
  });

  test('code_challenge_method=plain is refused, even for a client with PKCE optional', async () => {
    for (const pkce of ['required', 'optional'] as const) {
      const tenant = await createTenant(poort, { pkce });
      const config = await discover(poort.issuer, tenant);
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: tenant.redirectUri,
        scope: 'openid',
        nonce: oidc.randomNonce(),
        code_challenge: verifier,
        code_challenge_method: 'plain',
      });
      const page = await new Agent().follow(url.toString(), poort.issuer);
      const callback = returnedToRp(page, tenant.redirectUri);
      expect(callback.searchParams.get('error')).toBe('invalid_request');
      expect(callback.searchParams.has('code')).toBe(false);
    }
  });
});
