/**
 * An organisation stored before the two-factor policy fields existed (as in a database from an earlier version):
 * it reads with the defaults — optional 2FA, both methods — so logins and the account page keep working.
 */
import { ACR } from '../../../config/oidc.ts';
import { Agent } from '../../support/browser.ts';
import { createTenant, startPoort, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, discover, exchange, login } from '../../support/rp.ts';

let poort: TestPoort;

beforeAll(async () => {
  poort = await startPoort('stored-before-policy');
});
afterAll(async () => {
  await poort.close();
});

test('an organisation without stored policy fields: password login works and the account page offers both methods', async () => {
  const tenant = await createTenant(poort);
  await poort.container.db.collection('organisations').updateOne(
    { _id: tenant.organisationId as never },
    { $unset: { twoFactor: 1, allowedMethods: 1, codeValidityChoices: 1, codeValidityDefault: 1, inactivityTimeout: 1 } },
  );
  const config = await discover(poort.issuer, tenant);
  const agent = new Agent();
  const request = await authorizationRequest(config, tenant.redirectUri);
  const tokens = await exchange(config, await login(agent, poort.issuer, request, tenant.email, tenant.password), request);
  expect(tokens.claims()?.acr).toBe(ACR.password);

  const page = await agent.request(`${poort.issuer}/account/security`);
  expect(page.status).toBe(200);
  expect(page.body).toContain('href="/account/security/enrol"');
  const enrol = await agent.request(`${poort.issuer}/account/security/enrol`);
  expect(enrol.status).toBe(200);
  expect(enrol.body).toContain('value="totp"');
  expect(enrol.body).toContain('value="sms"');
});
