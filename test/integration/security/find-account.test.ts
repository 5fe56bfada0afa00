/**
 * findAccount is the tenant rule's second line of defence: the login and the session policy already stop the
 * cross-organisation case, so these tests reach findAccount without them — called directly for a client of another
 * organisation, and through the token and userinfo endpoints after an account moved to another organisation (no
 * login page or session check runs there).
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import { createFindAccount } from '../../../src/oidc/find-account.ts';
import { Agent } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, discover, exchange, login, oidc } from '../../support/rp.ts';

let poort: TestPoort;
let orgA: Tenant;
let orgB: Tenant;

beforeAll(async () => {
  poort = await startPoort('security-find-account');
  orgA = await createTenant(poort);
  orgB = await createTenant(poort);
});
afterAll(async () => {
  await poort.close();
});

/** The part of oidc-provider's context findAccount reads: the client's metadata. */
const contextOfClientAt = (organisationId: string): KoaContextWithOIDC =>
  ({ oidc: { client: { metadata: () => ({ organisation_id: organisationId }) } } }) as unknown as KoaContextWithOIDC;

test('an account is unknown to a client of another organisation, and known to its own', async () => {
  const findAccount = createFindAccount((id) => poort.container.accounts.get(id));
  expect(await findAccount(contextOfClientAt(orgA.organisationId), orgB.accountId)).toBeUndefined();
  expect(await findAccount(contextOfClientAt(orgB.organisationId), orgA.accountId)).toBeUndefined();
  const own = await findAccount(contextOfClientAt(orgB.organisationId), orgB.accountId);
  expect(own?.accountId).toBe(orgB.accountId);
});

test('after an account moves to another organisation, its refresh token and access token stop working', async () => {
  const tenant = await createTenant(poort);
  const config = await discover(poort.issuer, tenant);
  const request = await authorizationRequest(config, tenant.redirectUri, { scope: 'openid email offline_access', prompt: 'consent' });
  const tokens = await exchange(config, await login(new Agent(), poort.issuer, request, tenant.email, tenant.password), request);
  expect(tokens.refresh_token).toBeTruthy();
  // Still fine while the account is where the client is.
  expect((await oidc.fetchUserInfo(config, tokens.access_token, tenant.accountId)).sub).toBe(tenant.accountId);

  await poort.container.models.Account.updateOne({ _id: tenant.accountId }, { $set: { organisationId: orgB.organisationId } }).exec();

  await expect(oidc.fetchUserInfo(config, tokens.access_token, tenant.accountId)).rejects.toMatchObject({ status: 401 });
  await expect(oidc.refreshTokenGrant(config, tokens.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
});
