/**
 * A refresh reads its grant and the grant's account in one database command, and consumes the token in the read that
 * finds it (src/oidc/adapter.ts): still fresh in every request. What the platform sees: an address changed a moment
 * ago is what userinfo answers after the refresh, an account no longer active or gone refreshes nothing, and a token once presented is
 * spent even when its refresh was refused.
 */
import { decodeJwt } from 'jose';
import { exchange } from '../../support/rp.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { loginWithRefresh, tokenRequest } from '../../support/security.ts';

let poort: TestPoort;

beforeAll(async () => {
  poort = await startPoort('oidc-refresh-reads');
});
afterAll(async () => {
  await poort.close();
});

async function refreshTokenOf(tenant: Tenant): Promise<string> {
  const { login, callback } = await loginWithRefresh(poort, tenant);
  const tokens = await exchange(login.config, callback, login.request);
  if (!tokens.refresh_token) throw new Error('no refresh token issued');
  return tokens.refresh_token;
}

const refresh = (tenant: Tenant, token: string) =>
  tokenRequest(poort, tenant, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString());

test('a refresh, and userinfo with its access token, see the account as it is now', async () => {
  const tenant = await createTenant(poort);
  const token = await refreshTokenOf(tenant);
  const email = `renamed.${tenant.accountId.slice(0, 8)}@example.org`;
  await poort.container.models.Account.updateOne({ _id: tenant.accountId }, { $set: { email } });
  const answer = await refresh(tenant, token);
  expect(answer.status).toBe(200);
  expect(decodeJwt(String(answer.json?.id_token))).toMatchObject({ sub: tenant.accountId });
  const userinfo = await fetch(`${poort.issuer}/me`, { headers: { authorization: `Bearer ${String(answer.json?.access_token)}` } });
  expect(await userinfo.json()).toMatchObject({ sub: tenant.accountId, email });
});

test('an account disabled behind Poort\'s back (its tokens left in place) refreshes nothing', async () => {
  const tenant = await createTenant(poort);
  const token = await refreshTokenOf(tenant);
  await poort.container.models.Account.updateOne({ _id: tenant.accountId }, { $set: { status: 'disabled' } });
  const answer = await refresh(tenant, token);
  expect(answer.status).toBe(400);
  expect(answer.json?.error).toBe('invalid_grant');
});

test('an account that is gone refreshes nothing', async () => {
  const tenant = await createTenant(poort);
  const token = await refreshTokenOf(tenant);
  await poort.container.models.Account.deleteOne({ _id: tenant.accountId });
  const answer = await refresh(tenant, token);
  expect(answer.status).toBe(400);
  expect(answer.json?.error).toBe('invalid_grant');
});

test('a refresh token presented by another client is refused and spent: its next use ends the grant', async () => {
  const tenant = await createTenant(poort);
  const other = await createTenant(poort);
  const token = await refreshTokenOf(tenant);
  const stolen = await refresh(other, token);
  expect(stolen.status).toBe(400);
  expect(stolen.json?.error).toBe('invalid_grant');
  const owner = await refresh(tenant, token);
  expect(owner.status).toBe(400);
  expect(owner.json?.error).toBe('invalid_grant');
});

test('introspection reads a refresh token without spending it', async () => {
  const tenant = await createTenant(poort);
  const token = await refreshTokenOf(tenant);
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(tenant.clientId)}:${encodeURIComponent(tenant.clientSecret)}`).toString('base64')}`;
  const introspected = await fetch(`${poort.issuer}/token/introspection`, {
    method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString(),
  });
  await introspected.body?.cancel();
  const answer = await refresh(tenant, token);
  expect(answer.status).toBe(200);
  expect(typeof answer.json?.refresh_token).toBe('string');
});
