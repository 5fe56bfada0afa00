/**
 * The OP's endpoints as an RP uses them: authorization by GET and POST, userinfo by GET and POST, the `claims`
 * request parameter, revocation, client_credentials and the published signing keys.
 */
import { Agent } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, discover, exchange, jwtHeader, login, oidc, returnedToRp, submitLogin, type AuthRequest } from '../../support/rp.ts';

let poort: TestPoort;
let tenant: Tenant;
let config: oidc.Configuration;

beforeAll(async () => {
  poort = await startPoort('endpoints');
  tenant = await createTenant(poort);
  config = await discover(poort.issuer, tenant);
});
afterAll(async () => {
  await poort.close();
});

async function tokensFor(extra: Record<string, string> = {}) {
  const request = await authorizationRequest(config, tenant.redirectUri, extra);
  return exchange(config, await login(new Agent(), poort.issuer, request, tenant.email, tenant.password), request);
}

/** The authorization request's parameters as a form, for an RP that POSTs them. */
const formOf = (request: AuthRequest): Record<string, string> => Object.fromEntries(request.url.searchParams);

describe('authorization endpoint', () => {
  test('GET: the login page, then a code the RP redeems', async () => {
    const tokens = await tokensFor();
    expect(tokens.claims()?.sub).toBe(tenant.accountId);
  });

  test('POST (form serialization): the same login page, then a code the RP redeems', async () => {
    const agent = new Agent();
    const request = await authorizationRequest(config, tenant.redirectUri);
    const endpoint = config.serverMetadata().authorization_endpoint as string;
    const page = await agent.follow(endpoint, poort.issuer, { form: formOf(request) });
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/action="\/interaction\/[^"]+\/login"/);
    const done = await submitLogin(agent, poort.issuer, page, tenant.email, tenant.password);
    const tokens = await exchange(config, returnedToRp(done, tenant.redirectUri), request);
    expect(tokens.claims()?.sub).toBe(tenant.accountId);
    expect(tokens.claims()?.nonce).toBe(request.nonce);
  });

  test('POST with prompt=none and a session: a code straight back, so the session was seen', async () => {
    const agent = new Agent();
    const first = await authorizationRequest(config, tenant.redirectUri);
    await login(agent, poort.issuer, first, tenant.email, tenant.password);
    const request = await authorizationRequest(config, tenant.redirectUri, { prompt: 'none' });
    const endpoint = config.serverMetadata().authorization_endpoint as string;
    const callback = returnedToRp(await agent.follow(endpoint, poort.issuer, { form: formOf(request) }), tenant.redirectUri);
    expect(callback.searchParams.get('state')).toBe(request.state);
    const tokens = await exchange(config, callback, request);
    expect(tokens.claims()?.sub).toBe(tenant.accountId);
  });

  test('POST of a request with an unregistered redirect_uri is refused at Poort, not redirected', async () => {
    const request = await authorizationRequest(config, tenant.redirectUri);
    const endpoint = config.serverMetadata().authorization_endpoint as string;
    const page = await new Agent().follow(endpoint, poort.issuer, { form: { ...formOf(request), redirect_uri: 'https://evil.example.net/callback' } });
    expect(page.status).toBe(400);
    expect(page.location).toBeUndefined();
    expect(page.body).toContain('redirect_uri');
  });
});

describe('userinfo endpoint', () => {
  test('GET with a bearer header answers the claims of the granted scopes', async () => {
    const tokens = await tokensFor();
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, tenant.accountId);
    expect(userinfo).toMatchObject({ sub: tenant.accountId, email: tenant.email, email_verified: expect.any(Boolean), name: expect.any(String) });
  });

  test('POST with a bearer header and POST with access_token in the form body answer the same claims', async () => {
    const tokens = await tokensFor();
    const endpoint = new URL(config.serverMetadata().userinfo_endpoint as string);
    const byHeader = await oidc.fetchProtectedResource(config, tokens.access_token, endpoint, 'POST');
    expect(byHeader.status).toBe(200);
    const byBody = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ access_token: tokens.access_token }).toString(),
    });
    expect(byBody.status).toBe(200);
    const expected = { sub: tenant.accountId, email: tenant.email };
    expect(await byHeader.json()).toMatchObject(expected);
    expect(await byBody.json()).toMatchObject(expected);
  });

  test('an unknown access token gets 401 invalid_token', async () => {
    const response = await fetch(config.serverMetadata().userinfo_endpoint as string, { headers: { authorization: 'Bearer not-a-token' } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });
});

describe('claims request parameter', () => {
  test('{"id_token":{"email":null}} with scope openid puts only email (of the profile/email claims) into the ID token', async () => {
    const tokens = await tokensFor({ scope: 'openid', claims: JSON.stringify({ id_token: { email: null } }) });
    const claims = tokens.claims();
    expect(claims?.email).toBe(tenant.email);
    expect(claims?.email_verified).toBeUndefined();
    expect(claims?.name).toBeUndefined();
    // It was asked for the ID token only: userinfo still answers just the subject for scope openid.
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, tenant.accountId);
    expect(userinfo.email).toBeUndefined();
  });

  test('without it, scope openid alone gives an ID token without email', async () => {
    const tokens = await tokensFor({ scope: 'openid' });
    expect(tokens.claims()?.email).toBeUndefined();
    expect(tokens.claims()?.sub).toBe(tenant.accountId);
  });
});

describe('revocation', () => {
  test('a revoked refresh token no longer refreshes', async () => {
    const tokens = await tokensFor({ scope: 'openid offline_access', prompt: 'consent' });
    const refreshToken = tokens.refresh_token as string;
    expect(refreshToken).toBeDefined();
    await oidc.tokenRevocation(config, refreshToken);
    await expect(oidc.refreshTokenGrant(config, refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('a revoked access token no longer reaches userinfo', async () => {
    const tokens = await tokensFor();
    await oidc.fetchUserInfo(config, tokens.access_token, tenant.accountId);
    await oidc.tokenRevocation(config, tokens.access_token);
    const response = await fetch(config.serverMetadata().userinfo_endpoint as string, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  test('another client cannot revoke a token it was not issued', async () => {
    const tokens = await tokensFor();
    const other = await createTenant(poort);
    await oidc.tokenRevocation(await discover(poort.issuer, other), tokens.access_token).catch(() => undefined);
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, tenant.accountId);
    expect(userinfo.sub).toBe(tenant.accountId);
  });
});

describe('client_credentials', () => {
  test('a client created with clientCredentials gets an access token', async () => {
    const machine = await poort.container.clients.create({ organisationId: tenant.organisationId, redirectUris: [tenant.redirectUri], clientCredentials: true });
    const machineConfig = await discover(poort.issuer, { clientId: machine.clientId, clientSecret: machine.clientSecret as string });
    const tokens = await oidc.clientCredentialsGrant(machineConfig);
    expect(tokens.access_token).toEqual(expect.any(String));
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBeGreaterThan(0);
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.id_token).toBeUndefined();
  });

  test('a client created without it gets unauthorized_client', async () => {
    await expect(oidc.clientCredentialsGrant(config)).rejects.toMatchObject({ error: 'unauthorized_client' });
  });
});

describe('signing keys', () => {
  test('jwks_uri lists an RS256 RSA key and an ES256 P-256 key, without any private part', async () => {
    const metadata = config.serverMetadata();
    expect(metadata.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256', 'ES256']));
    const response = await fetch(metadata.jwks_uri as string);
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(keys).toEqual(expect.arrayContaining([
      expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String), n: expect.any(String), e: 'AQAB' }),
      expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String), x: expect.any(String), y: expect.any(String) }),
    ]));
    for (const key of keys) {
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(secret);
    }
  });

  test('the ID token is signed RS256 by default, with the kid of the published RSA key', async () => {
    const tokens = await tokensFor();
    const header = jwtHeader(tokens.id_token as string);
    expect(header.alg).toBe('RS256');
    const { keys } = (await (await fetch(config.serverMetadata().jwks_uri as string)).json()) as { keys: Record<string, unknown>[] };
    expect(keys.find((key) => key.kid === header.kid)).toMatchObject({ kty: 'RSA', alg: 'RS256' });
  });
});
