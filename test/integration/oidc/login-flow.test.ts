import { ACR } from '../../../config/oidc.ts';
import { Agent, inputValue } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, discover, exchange, login, oidc } from '../../support/rp.ts';

let poort: TestPoort;
let tenant: Tenant;

beforeAll(async () => {
  poort = await startPoort('login-flow');
  tenant = await createTenant(poort);
});
afterAll(async () => {
  await poort.close();
});

test('discovery advertises code flow, S256 and both acr values', async () => {
  const config = await discover(poort.issuer, tenant);
  const metadata = config.serverMetadata();
  expect(metadata.issuer).toBe(poort.issuer);
  expect(metadata.response_types_supported).toEqual(['code']);
  expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
  expect(metadata.acr_values_supported).toEqual(expect.arrayContaining([ACR.password, ACR.multiFactor]));
  expect(metadata.claims_parameter_supported).toBe(true);
  expect(metadata.end_session_endpoint).toBeDefined();
  expect(metadata.revocation_endpoint).toBeDefined();
});

test('password login → code → tokens → userinfo → refresh rotation → logout', async () => {
  const config = await discover(poort.issuer, tenant);
  const agent = new Agent();
  const request = await authorizationRequest(config, tenant.redirectUri, { scope: 'openid profile email offline_access', prompt: 'consent' });
  const callback = await login(agent, poort.issuer, request, tenant.email, tenant.password);
  expect(callback.origin + callback.pathname).toBe(tenant.redirectUri);

  const tokens = await exchange(config, callback, request);
  const claims = tokens.claims();
  expect(claims?.iss).toBe(poort.issuer);
  expect(claims?.aud).toBe(tenant.clientId);
  expect(claims?.sub).toBe(tenant.accountId);
  expect(claims?.acr).toBe(ACR.password);
  expect(claims?.amr).toEqual(['pwd']);
  expect(typeof claims?.auth_time).toBe('number');
  expect(Math.abs(Number(claims?.auth_time) - Date.now() / 1000)).toBeLessThan(60);

  const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, tenant.accountId);
  expect(userinfo.email).toBe(tenant.email);
  expect(userinfo.name).toBeDefined();

  expect(tokens.refresh_token).toBeDefined();
  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
  expect(refreshed.refresh_token).toBeDefined();
  expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
  // The old refresh token is refused, and its reuse revokes the grant: the new one dies too.
  await expect(oidc.refreshTokenGrant(config, tokens.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
  await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });

  const logoutUrl = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token as string, post_logout_redirect_uri: `https://rp${tenant.redirectUri.match(/rp(\d+)/)?.[1]}.example.org/logged-out` });
  const confirm = await agent.follow(logoutUrl.toString(), poort.issuer);
  expect(confirm.status).toBe(200);
  const action = /<form[^>]*id="op.logoutForm"[^>]*action="([^"]*)"|<form[^>]*action="([^"]*)"[^>]*id="op.logoutForm"/.exec(confirm.body);
  const xsrf = inputValue(confirm.body, 'xsrf') ?? '';
  const done = await agent.request(new URL(action?.[1] ?? action?.[2] ?? '', poort.issuer).toString(), { form: { xsrf, logout: 'yes' } });
  expect(done.location).toContain('/logged-out');
});
