/**
 * A copy of the database (or a backup) in an attacker's hands: no document holds an issued token, code, session
 * cookie or interaction id in any field, and the ids the oidc collections do hold redeem nothing — not at the token
 * endpoint, not at userinfo, and not as a session or interaction cookie, even one signed with the cookie keys.
 */
import { createHmac } from 'node:crypto';
import { mongo } from 'mongoose';
import { ACCOUNT, isAccountPage } from '../../support/account.ts';
import { Agent } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { discover, exchange, oidc } from '../../support/rp.ts';
import { codeOf, expectErrorPage, loginWithRefresh, openLogin, tokenRequest, type OpenLogin } from '../../support/security.ts';
import { enrolSms, isCodePage, passwordStep } from '../../support/two-factor.ts';

let poort: TestPoort;
let tenant: Tenant;

beforeAll(async () => {
  poort = await startPoort('security-tokens-at-rest');
  tenant = await createTenant(poort);
});
afterAll(async () => {
  await poort.close();
});

const loggedIn = (): Promise<{ login: OpenLogin; callback: URL }> => loginWithRefresh(poort, tenant);

/** The value of a cookie the agent holds. */
function cookieOf(agent: Agent, name: string): string {
  const pair = agent.cookieHeader().split('; ').find((p) => p.startsWith(`${name}=`));
  if (!pair) throw new Error(`no ${name} cookie`);
  return pair.slice(name.length + 1);
}

/**
 * A Cookie header carrying `value` as cookie `name`, signed as Poort signs its cookies (keygrip: HMAC-SHA1 with the
 * first COOKIE_KEYS key, base64url): what an attacker who also took the cookie keys could send.
 */
function signedCookie(name: string, value: string): string {
  const key = poort.container.config.cookieKeys[0] ?? '';
  return `${name}=${value}; ${name}.sig=${createHmac('sha1', key).update(`${name}=${value}`).digest('base64url')}`;
}

/** Every document of every collection of Poort's database, each as Extended JSON text (all fields, nested too). */
async function dump(): Promise<Array<{ collection: string; text: string }>> {
  const { db } = poort.container;
  const documents: Array<{ collection: string; text: string }> = [];
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    for (const document of await db.collection(name).find().toArray()) {
      documents.push({ collection: name, text: mongo.BSON.EJSON.stringify(document) });
    }
  }
  return documents;
}

/** The `_id`s an oidc collection holds, as read straight from the database. */
async function idsIn(collection: string): Promise<string[]> {
  const entries = await poort.container.db.collection<{ _id: string }>(collection).find({}, { projection: { _id: 1 } }).toArray();
  return entries.map((entry) => entry._id);
}

function refreshBody(refreshToken: string): string {
  return new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString();
}

async function userinfoStatus(accessToken: string): Promise<number> {
  const response = await fetch(`${poort.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
  await response.body?.cancel();
  return response.status;
}

test('no stored document contains an issued token, code, session cookie or interaction id, in any field', async () => {
  const { login, callback } = await loggedIn();
  const tokens = await exchange(login.config, callback, login.request);
  const refreshed = await oidc.refreshTokenGrant(login.config, tokens.refresh_token as string);
  const machine = await poort.container.clients.create({ organisationId: tenant.organisationId, redirectUris: [tenant.redirectUri], clientCredentials: true });
  const machineTokens = await oidc.clientCredentialsGrant(await discover(poort.issuer, { clientId: machine.clientId, clientSecret: machine.clientSecret as string }));
  // A login in progress, in the logged-in browser: its interaction is stored until it finishes (the finished one
  // above is gone), and oidc-provider hands the adapter the browser's session with it.
  const open = await openLogin(poort, tenant, { prompt: 'login' }, login.agent);
  const issued: Record<string, string> = {
    'authorization code': codeOf(callback),
    'access token': tokens.access_token,
    'refresh token': tokens.refresh_token as string,
    'ID token': tokens.id_token as string,
    'access token of the refresh': refreshed.access_token,
    'rotated refresh token': refreshed.refresh_token as string,
    'client-credentials access token': machineTokens.access_token,
    'session cookie': cookieOf(login.agent, '_session'),
    'interaction id of the finished login': login.uid,
    'interaction id (interaction cookie)': cookieOf(open.agent, '_interaction'),
  };
  for (const value of Object.values(issued)) expect(value.length).toBeGreaterThanOrEqual(16);

  const documents = await dump();
  // The scan reads the database Poort writes to: every kind issued above has its entries there.
  const collections = new Set(documents.map((d) => d.collection));
  for (const name of ['oidc_session', 'oidc_interaction', 'oidc_authorization_code', 'oidc_access_token', 'oidc_refresh_token', 'oidc_client_credentials', 'oidc_grant']) {
    expect(collections).toContain(name);
  }
  const found = documents.flatMap(({ collection, text }) => Object.entries(issued)
    .filter(([, value]) => text.includes(value))
    .map(([what]) => `${what} in ${collection}`));
  expect(found).toEqual([]);
});

test('codes, refresh tokens and access tokens read from the database redeem nothing; the issued ones still work', async () => {
  const { login, callback } = await loggedIn();
  const codeBody = (code: string): string => new URLSearchParams({
    grant_type: 'authorization_code', code, redirect_uri: tenant.redirectUri, code_verifier: login.request.verifier,
  }).toString();

  const storedCodes = await idsIn('oidc_authorization_code');
  expect(storedCodes.length).toBeGreaterThan(0);
  for (const stored of storedCodes) {
    const answer = await tokenRequest(poort, tenant, codeBody(stored));
    expect([answer.status, answer.json?.error, answer.json?.access_token === undefined]).toEqual([400, 'invalid_grant', true]);
  }
  const tokens = await exchange(login.config, callback, login.request);

  const storedRefreshTokens = await idsIn('oidc_refresh_token');
  expect(storedRefreshTokens.length).toBeGreaterThan(0);
  for (const stored of storedRefreshTokens) {
    const answer = await tokenRequest(poort, tenant, refreshBody(stored));
    expect([answer.status, answer.json?.error, answer.json?.access_token === undefined]).toEqual([400, 'invalid_grant', true]);
  }

  const storedAccessTokens = await idsIn('oidc_access_token');
  expect(storedAccessTokens.length).toBeGreaterThan(0);
  for (const stored of storedAccessTokens) expect(await userinfoStatus(stored)).toBe(401);

  // What was issued is unharmed by those attempts.
  expect(await userinfoStatus(tokens.access_token)).toBe(200);
  const refreshed = await tokenRequest(poort, tenant, refreshBody(tokens.refresh_token as string));
  expect(refreshed.status).toBe(200);
  expect(typeof refreshed.json?.access_token).toBe('string');
});

test('a session or interaction id read from the database is no cookie, even signed with the cookie keys', async () => {
  const { login } = await loggedIn();
  const accountUrl = `${poort.issuer}${ACCOUNT}`;
  // The forged signature is right: the real session id, signed this way, opens the account page.
  const real = await new Agent().request(accountUrl, { headers: { cookie: signedCookie('_session', cookieOf(login.agent, '_session')) } });
  expect(isAccountPage(real)).toBe(true);
  const storedSessions = await idsIn('oidc_session');
  expect(storedSessions.length).toBeGreaterThan(0);
  for (const stored of storedSessions) {
    const page = await new Agent().request(accountUrl, { headers: { cookie: signedCookie('_session', stored) } });
    expect(isAccountPage(page)).toBe(false);
  }

  const open = await openLogin(poort, tenant);
  const openPage = await new Agent().request(open.base, { headers: { cookie: signedCookie('_interaction', open.uid) } });
  expect(openPage.status).toBe(200);
  expect(openPage.body).toContain(`action="/interaction/${open.uid}/login"`);
  const storedInteractions = await idsIn('oidc_interaction');
  expect(storedInteractions.length).toBeGreaterThan(0);
  for (const stored of storedInteractions) {
    const page = await new Agent().request(`${poort.issuer}/interaction/${stored}`, { headers: { cookie: signedCookie('_interaction', stored) } });
    expectErrorPage(page, 400);
  }
});

test('a two-step login waiting for its SMS code keeps no interaction id or session cookie in any document', async () => {
  const person = await createTenant(poort);
  await enrolSms(poort, person, '+31612345678');
  const login = await passwordStep(poort, person);
  expect(isCodePage(login.step)).toBe(true);
  const issued = { 'interaction id': login.uid, 'interaction cookie': cookieOf(login.agent, '_interaction') };
  const documents = await dump();
  // The pending second step (inside the interaction's entry) and the SMS code for it are stored.
  expect(documents.some((d) => d.collection === 'oidc_interaction' && d.text.includes('poortState') && d.text.includes('pending'))).toBe(true);
  expect(documents.some((d) => d.collection === 'sms_codes')).toBe(true);
  const found = documents.flatMap(({ collection, text }) => Object.entries(issued)
    .filter(([, value]) => text.includes(value))
    .map(([what]) => `${what} in ${collection}`));
  expect(found).toEqual([]);
});
