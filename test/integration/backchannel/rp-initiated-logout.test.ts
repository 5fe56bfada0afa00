/**
 * Back-channel logout after RP-initiated logout: discovery says Poort supports it, the platform's
 * backchannel_logout_uri gets a logout token it can verify as an RP, and the person's logout never waits for it.
 */
import { Agent } from '../../support/browser.ts';
import { LOGOUT_EVENT, backchannelTenant, startLogoutReceiver, verifyLogoutToken, type Answer, type LogoutReceiver } from '../../support/logout-receiver.ts';
import { startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, confirmLogout, discover, exchange, login, oidc } from '../../support/rp.ts';

let poort: TestPoort;
const receivers: LogoutReceiver[] = [];

beforeAll(async () => {
  // A POST that is never cut short: a test of a held POST sees the logout answer while the POST is still open.
  poort = await startPoort('bcl-rp-logout', {}, { backchannelLogout: { abortAfter: () => new AbortController().signal, wait: async () => undefined } });
});
afterAll(async () => {
  for (const receiver of receivers) receiver.release();
  await poort.close();
  for (const receiver of receivers) await receiver.close();
});

async function platform(answer?: Answer): Promise<{ receiver: LogoutReceiver; tenant: Tenant; config: oidc.Configuration }> {
  const receiver = await startLogoutReceiver(answer);
  receivers.push(receiver);
  const tenant = await backchannelTenant(poort, receiver.url);
  return { receiver, tenant, config: await discover(poort.issuer, tenant) };
}

/** Logs in through the platform and logs out again (RP-initiated, confirmed); answers the ID token's claims and the logout's answer. */
async function loginThenLogout(tenant: Tenant, config: oidc.Configuration): Promise<{ sid: unknown; sub: string; status: number }> {
  const agent = new Agent();
  const request = await authorizationRequest(config, tenant.redirectUri);
  const tokens = await exchange(config, await login(agent, poort.issuer, request, tenant.email, tenant.password), request);
  const claims = tokens.claims();
  if (!claims) throw new Error('no ID token');
  const confirm = await agent.follow(oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token as string }).toString(), poort.issuer);
  const done = await confirmLogout(agent, poort.issuer, confirm);
  return { sid: claims.sid, sub: claims.sub, status: done.status };
}

test('discovery says back-channel logout is supported, with the session', async () => {
  const metadata = await (await fetch(`${poort.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
  expect({ supported: metadata.backchannel_logout_supported, session: metadata.backchannel_logout_session_supported }).toEqual({ supported: true, session: true });
});

test('the logout answers while the platform still holds the logout token\'s POST open', async () => {
  const { receiver, tenant, config } = await platform(() => 'hold');
  const logout = await loginThenLogout(tenant, config);
  await receiver.token();
  expect({ status: logout.status, answeredByPlatform: receiver.answered }).toEqual({ status: 200, answeredByPlatform: 0 });
});

test('the platform gets a logout token it verifies as an RP: its session (sid), the person, the event, no nonce', async () => {
  const { receiver, tenant, config } = await platform();
  const logout = await loginThenLogout(tenant, config);
  const payload = await verifyLogoutToken(poort.issuer, tenant.clientId, await receiver.token());
  expect({
    sid: payload.sid,
    sub: payload.sub,
    events: payload.events,
    nonce: 'nonce' in payload,
    jti: typeof payload.jti === 'string' && payload.jti.length > 0,
    short: (payload.exp ?? 0) - (payload.iat ?? 0) <= 300,
  }).toEqual({ sid: logout.sid, sub: logout.sub, events: { [LOGOUT_EVENT]: {} }, nonce: false, jti: true, short: true });
});

test('the ID token names the session the logout token will name', async () => {
  const { tenant, config } = await platform();
  const logout = await loginThenLogout(tenant, config);
  expect(typeof logout.sid).toBe('string');
});
