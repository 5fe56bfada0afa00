/**
 * Every way Poort ends a session tells the platform through back-channel logout: a password change on the account
 * page (the other browser's session, not this one's), the operator's second-factor reset and disable (the CLI, a
 * process of its own signing with the same keys), and the admin API's session revoke (`container.endSessions`).
 * A real receiver on 127.0.0.1 gets each logout token; the token names the session the platform's ID token named.
 */
import { generateJwks } from '../../../config/load.ts';
import { accountPage, postAccount } from '../../support/account.ts';
import { Agent } from '../../support/browser.ts';
import { cliFor, ok } from '../../support/cli.ts';
import { testDatabaseUri } from '../../support/database.ts';
import { backchannelTenant, startLogoutReceiver, verifyLogoutToken, type LogoutReceiver } from '../../support/logout-receiver.ts';
import { startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, discover, exchange, login } from '../../support/rp.ts';

const MONGODB_URI = testDatabaseUri(import.meta.url);
// The CLI signs with the server's keys and issuer, as an operator runs it with the server's configuration.
const JWKS = JSON.stringify(generateJwks());
const cli = cliFor(MONGODB_URI);

let poort: TestPoort;
const receivers: LogoutReceiver[] = [];

beforeAll(async () => {
  poort = await startPoort('bcl-endings', { MONGODB_URI, JWKS }, { backchannelLogout: { wait: async () => undefined } });
});
afterAll(async () => {
  await poort.close();
  for (const receiver of receivers) await receiver.close();
});

async function platformTenant(): Promise<{ tenant: Tenant; receiver: LogoutReceiver }> {
  const receiver = await startLogoutReceiver();
  receivers.push(receiver);
  return { tenant: await backchannelTenant(poort, receiver.url), receiver };
}

/** A browser logged in to the platform; answers it and the `sid` of its ID token. */
async function loggedIn(tenant: Tenant): Promise<{ agent: Agent; sid: unknown }> {
  const agent = new Agent();
  const config = await discover(poort.issuer, tenant);
  const request = await authorizationRequest(config, tenant.redirectUri);
  const tokens = await exchange(config, await login(agent, poort.issuer, request, tenant.email, tenant.password), request);
  return { agent, sid: tokens.claims()?.sid };
}

/** The `sid`s of the logout tokens received, once Poort's deliveries are done. */
async function sidsReceived(tenant: Tenant, receiver: LogoutReceiver): Promise<unknown[]> {
  await poort.container.backchannelLogout.settle();
  return Promise.all(receiver.tokens.map(async (token) => (await verifyLogoutToken(poort.issuer, tenant.clientId, token)).sid));
}

test('a password change on the account page logs the platform out of the other browser only', async () => {
  const { tenant, receiver } = await platformTenant();
  const mine = await loggedIn(tenant);
  const other = await loggedIn(tenant);
  const page = await accountPage(poort, mine.agent);
  const fresh = 'Another good passphrase!';
  await postAccount(poort, mine.agent, page, '/password', { current: tenant.password, password: fresh, confirm: fresh });
  await receiver.token();
  expect(await sidsReceived(tenant, receiver)).toEqual([other.sid]);
});

test('the operator\'s second-factor reset (CLI) logs the platform out', async () => {
  const { tenant, receiver } = await platformTenant();
  const browser = await loggedIn(tenant);
  ok(await cli(['account', 'reset-2fa', '--id', tenant.accountId], { JWKS, ISSUER: poort.issuer }));
  expect(await sidsReceived(tenant, receiver)).toEqual([browser.sid]);
});

test('disabling the account (CLI) logs the platform out', async () => {
  const { tenant, receiver } = await platformTenant();
  const browser = await loggedIn(tenant);
  ok(await cli(['account', 'disable', '--id', tenant.accountId], { JWKS, ISSUER: poort.issuer }));
  expect(await sidsReceived(tenant, receiver)).toEqual([browser.sid]);
});

test('a session revoke (container.endSessions, as the admin API calls it) logs the platform out of every browser', async () => {
  const { tenant, receiver } = await platformTenant();
  const first = await loggedIn(tenant);
  const second = await loggedIn(tenant);
  await poort.container.endSessions(tenant.accountId);
  expect((await sidsReceived(tenant, receiver)).sort()).toEqual([first.sid, second.sid].sort());
});
