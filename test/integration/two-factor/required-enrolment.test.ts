import { ACR } from '../../../config/oidc.ts';
import { currentTotp } from '../../../src/auth/factors/totp.ts';
import { Agent, inputValue } from '../../support/browser.ts';
import { createTenant, startPoort, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, discover, exchange, submitLogin } from '../../support/rp.ts';

let poort: TestPoort;

beforeAll(async () => {
  poort = await startPoort('two-factor-required');
});
afterAll(async () => {
  await poort.close();
});

test('required policy: the app is set up during login, then the RP gets an mfa login', async () => {
  const tenant = await createTenant(poort);
  await poort.container.models.Organisation.updateOne({ _id: tenant.organisationId }, { $set: { twoFactor: 'required' } });
  const config = await discover(poort.issuer, tenant);
  const agent = new Agent();
  const request = await authorizationRequest(config, tenant.redirectUri);
  const loginPage = await agent.follow(request.url.toString(), poort.issuer);
  const choose = await submitLogin(agent, poort.issuer, loginPage, tenant.email, tenant.password);
  expect(choose.status).toBe(200);
  expect(choose.body).toContain('name="method"');
  const uid = /\/interaction\/([^/"]+)\/enrol\/start/.exec(choose.body)?.[1] ?? '';
  const setup = await agent.follow(`${poort.issuer}/interaction/${uid}/enrol/start`, poort.issuer, { form: { csrf: inputValue(choose.body, 'csrf') ?? '', method: 'totp' } });
  const secret = /<code[^>]*id="secret"[^>]*>([^<]+)<\/code>/.exec(setup.body)?.[1]?.replace(/\s/g, '') ?? '';
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  expect(setup.body).toContain('src="data:image/png;base64,');
  const codes = await agent.follow(`${poort.issuer}/interaction/${uid}/enrol/verify`, poort.issuer, { form: { csrf: inputValue(setup.body, 'csrf') ?? '', code: currentTotp(secret, new Date()) } });
  const shown = [...codes.body.matchAll(/<li><code>([0-9A-Z]{5}-[0-9A-Z]{5})<\/code><\/li>/g)].map((m) => m[1]);
  expect(shown).toHaveLength(6);
  const done = await agent.follow(`${poort.issuer}/interaction/${uid}/enrol/done`, poort.issuer, { form: { csrf: inputValue(codes.body, 'csrf') ?? '' } });
  expect(done.location).toBeDefined();
  const tokens = await exchange(config, new URL(done.location ?? ''), request);
  expect(tokens.claims()?.acr).toBe(ACR.multiFactor);
  expect(tokens.claims()?.amr).toEqual(['pwd', 'otp', 'mfa']);
});
