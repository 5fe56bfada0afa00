/**
 * Nothing secret reaches the log, even at debug level: not the passwords typed (wrong or right), not the
 * authorization code, not the tokens, not the client secret.
 */
import { createTenant, type Tenant, type TestPoort } from '../../support/poort.ts';
import { exchange, oidc } from '../../support/rp.ts';
import { attempt, captureLog, codeOf, openLogin, postLogin, startLoggedPoort, tokenRequest } from '../../support/security.ts';

const log = captureLog('debug');
let poort: TestPoort;
let tenant: Tenant;

beforeAll(async () => {
  poort = await startLoggedPoort('security-log', log.logger);
  tenant = await createTenant(poort, { authMethod: 'client_secret_post' });
});
afterAll(async () => {
  await poort.close();
});

test('a login with a wrong and a right password, tokens, refresh and replays leave no secret in the log', async () => {
  const wrongPassword = 'Wr0ng-but-close!Secret';
  const login = await openLogin(poort, tenant, { scope: 'openid email offline_access', prompt: 'consent' });
  expect((await attempt(login, tenant.email, wrongPassword)).verdict).toBe('failed');
  // A refused body that carries the password as well.
  const duplicated = await login.agent.request(`${login.base}/login`, {
    body: `csrf=${login.csrf}&email=${encodeURIComponent(tenant.email)}&password=${encodeURIComponent(wrongPassword)}&password=${encodeURIComponent(wrongPassword)}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(duplicated.status).toBe(400);
  const done = await attempt(login, tenant.email, tenant.password);
  const code = codeOf(done.callback!);

  const config = await oidc.discovery(new URL(poort.issuer), tenant.clientId, undefined, oidc.ClientSecretPost(tenant.clientSecret), { execute: [oidc.allowInsecureRequests] });
  const tokens = await exchange(config, done.callback!, login.request);
  await oidc.fetchUserInfo(config, tokens.access_token, tenant.accountId);
  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
  // A replayed code and an old refresh token are refused (and logged as refusals).
  const replay = await tokenRequest(poort, tenant, new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: tenant.redirectUri, code_verifier: login.request.verifier }).toString(), undefined, 'post');
  expect(replay.json?.error).toBe('invalid_grant');
  await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

  // A login POST straight after the right one, through a fresh interaction, with the password in it again.
  const second = await openLogin(poort, tenant);
  expect((await postLogin(second, tenant.email, wrongPassword)).status).toBe(303);

  const text = log.text();
  // The capture really holds this run's requests, at debug level.
  expect(text).toContain('"msg":"request"');
  expect(text).toContain('/interaction/');
  // The refused body is logged with its reason (which redaction must not eat), not with its content.
  expect(text).toContain('"problem":"duplicate_field"');
  expect(text.split('\n').length).toBeGreaterThan(20);

  const secrets = {
    wrongPassword,
    password: tenant.password,
    code,
    accessToken: tokens.access_token,
    idToken: tokens.id_token!,
    refreshToken: tokens.refresh_token!,
    newAccessToken: refreshed.access_token,
    newRefreshToken: refreshed.refresh_token!,
    clientSecret: tenant.clientSecret,
    codeVerifier: login.request.verifier,
  };
  for (const [name, secret] of Object.entries(secrets)) {
    expect({ name, found: text.includes(secret) || text.includes(encodeURIComponent(secret)) }).toEqual({ name, found: false });
  }
  // Nor a recognisable part of a JWT (its signature) or of the password.
  expect(text).not.toContain(tokens.id_token!.split('.')[2]!);
  expect(text).not.toContain(tenant.password.slice(0, 10));
});
