/**
 * "Where you are logged in" on the account page: two browsers of the same person (two cookie jars, two User-Agents)
 * and one of another person. The list names both of the person's browsers, this one marked; "Log out" on the
 * other ends its Poort session, its refresh token and (back-channel logout) the platform's session; "Log out
 * everywhere else" leaves only this browser; another person's session posted here ends nothing and gets the answer
 * of a session that has already ended.
 */
import { ACCOUNT, accountPage, alerts, auditEvents, isAccountPage, message, notes, postAccount } from '../../support/account.ts';
import { Agent, inputValue, type Page } from '../../support/browser.ts';
import { backchannelTenant, startLogoutReceiver, verifyLogoutToken, type LogoutReceiver } from '../../support/logout-receiver.ts';
import { createClock } from '../../support/clock.ts';
import { startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, discover, exchange, login, oidc } from '../../support/rp.ts';

const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';

let poort: TestPoort;
const receivers: LogoutReceiver[] = [];
const clock = createClock();

beforeAll(async () => {
  poort = await startPoort('account-sessions', {}, { now: clock.now, backchannelLogout: { wait: async () => undefined } });
});
afterAll(async () => {
  await poort.close();
  for (const receiver of receivers) await receiver.close();
});

interface Browser {
  agent: Agent;
  sid: unknown;
  refreshToken: string;
  config: oidc.Configuration;
}

async function loggedIn(tenant: Tenant, userAgent: string, headers: Record<string, string> = {}): Promise<Browser> {
  const agent = new Agent({ headers: { 'user-agent': userAgent, ...headers } });
  const config = await discover(poort.issuer, tenant);
  const request = await authorizationRequest(config, tenant.redirectUri, { scope: 'openid offline_access', prompt: 'consent' });
  const tokens = await exchange(config, await login(agent, poort.issuer, request, tenant.email, tenant.password), request);
  if (!tokens.refresh_token) throw new Error('no refresh token');
  return { agent, sid: tokens.claims()?.sid, refreshToken: tokens.refresh_token, config };
}

/** The person logged in on a desktop (this browser) and a phone, and another person of the organisation on theirs. */
async function scene(): Promise<{ tenant: Tenant; receiver: LogoutReceiver; desktop: Browser; phone: Browser; strangerTenant: Tenant; stranger: Browser }> {
  const receiver = await startLogoutReceiver();
  receivers.push(receiver);
  const tenant = await backchannelTenant(poort, receiver.url);
  const strangerTenant = await backchannelTenant(poort, receiver.url);
  return {
    tenant,
    receiver,
    strangerTenant,
    desktop: await loggedIn(tenant, FIREFOX),
    phone: await loggedIn(tenant, SAFARI),
    stranger: await loggedIn(strangerTenant, FIREFOX),
  };
}

/** The list's rows as the page shows them: device, marked as this browser, and whether it has a "Log out". */
function rows(page: Page): Array<{ device: string; current: boolean; logOut: boolean }> {
  const list = /<ul id="session-list">([\s\S]*?)<\/ul>/.exec(page.body)?.[1] ?? '';
  return [...list.matchAll(/<li>([\s\S]*?)<\/li>/g)].map(([, item = '']) => ({
    device: /<strong>([^<]*)<\/strong>/.exec(item)?.[1] ?? '',
    current: item.includes(`(${message('account.sessions.current')})`),
    logOut: item.includes(`action="${ACCOUNT}/sessions/end"`),
  }));
}

/** The value "Log out" posts for the listed session that is not this browser's. */
function otherSessionValue(page: Page): string {
  const value = inputValue(page.body, 'session');
  if (!value) throw new Error('no other session listed');
  return value;
}

async function refreshes(browser: Browser): Promise<string> {
  try {
    await oidc.refreshTokenGrant(browser.config, browser.refreshToken);
    return 'ok';
  } catch (error) {
    return String((error as { error?: unknown }).error);
  }
}

test('the list names both browsers of the person, this one first and marked, a "Log out" only for the other', async () => {
  const { desktop } = await scene();
  expect(rows(await accountPage(poort, desktop.agent))).toEqual([
    { device: 'Firefox on Windows', current: true, logOut: false },
    { device: 'Safari on iOS', current: false, logOut: true },
  ]);
});

test('the list says when each browser was last active', async () => {
  const { desktop } = await scene();
  const page = await accountPage(poort, desktop.agent);
  expect([...page.body.matchAll(/<p class="hint">(Last active: [^<]*)<\/p>/g)].map((m) => m[1])).toEqual(['Last active: now', 'Last active: now']);
});

test('the page is in Dutch for a Dutch browser', async () => {
  const receiver = await startLogoutReceiver();
  receivers.push(receiver);
  const tenant = await backchannelTenant(poort, receiver.url);
  const desktop = await loggedIn(tenant, FIREFOX, { 'accept-language': 'nl' });
  await loggedIn(tenant, SAFARI);
  const page = await accountPage(poort, desktop.agent);
  expect(/<li><strong>([^<]*)<\/strong> \(([^)]*)\)/.exec(page.body)?.slice(1)).toEqual(['Firefox op Windows', 'Deze browser']);
});

test('the page shows no cookie value (the session\'s or any other but the CSRF token its forms repeat)', async () => {
  const { desktop } = await scene();
  const page = await accountPage(poort, desktop.agent);
  const cookies = desktop.agent.cookieHeader().split('; ').map((pair) => ({ name: pair.slice(0, pair.indexOf('=')), value: pair.slice(pair.indexOf('=') + 1) }));
  const shown = cookies.filter(({ name, value }) => name !== 'poort.csrf' && value.length > 8 && page.body.includes(value)).map(({ name }) => name);
  expect({ session: cookies.some(({ name }) => name === '_session'), shown }).toEqual({ session: true, shown: [] });
});

test('"Log out" on the other browser ends its session: its refresh token is refused', async () => {
  const { desktop, phone } = await scene();
  const page = await accountPage(poort, desktop.agent);
  await postAccount(poort, desktop.agent, page, '/sessions/end', { session: otherSessionValue(page) });
  expect(await refreshes(phone)).toBe('invalid_grant');
});

test('"Log out" on the other browser tells the platform: a logout token for that browser\'s session', async () => {
  const { tenant, receiver, desktop, phone } = await scene();
  const page = await accountPage(poort, desktop.agent);
  await postAccount(poort, desktop.agent, page, '/sessions/end', { session: otherSessionValue(page) });
  await poort.container.backchannelLogout.settle();
  const sids = await Promise.all(receiver.tokens.map(async (token) => (await verifyLogoutToken(poort.issuer, tenant.clientId, token)).sid));
  expect(sids).toEqual([phone.sid]);
});

test('"Log out" on the other browser leaves this one logged in, listed alone, with its refresh token', async () => {
  const { desktop } = await scene();
  const page = await accountPage(poort, desktop.agent);
  const after = await postAccount(poort, desktop.agent, page, '/sessions/end', { session: otherSessionValue(page) });
  expect({ notes: notes(after), rows: rows(after), refresh: await refreshes(desktop) }).toEqual({
    notes: [message('account.sessions.ended')],
    rows: [{ device: 'Firefox on Windows', current: true, logOut: false }],
    refresh: 'ok',
  });
});

test('the other browser, logged out, gets the note to log in again', async () => {
  const { desktop, phone } = await scene();
  const page = await accountPage(poort, desktop.agent);
  await postAccount(poort, desktop.agent, page, '/sessions/end', { session: otherSessionValue(page) });
  expect(isAccountPage(await accountPage(poort, phone.agent))).toBe(false);
});

test('each ending is audited with the person as actor and target and the IP', async () => {
  const { tenant, desktop } = await scene();
  const page = await accountPage(poort, desktop.agent);
  await postAccount(poort, desktop.agent, page, '/sessions/end', { session: otherSessionValue(page) });
  const events = await auditEvents(poort, tenant.accountId, 'account.session_ended');
  expect(events.map((e) => ({ organisationId: e.organisationId, actorId: e.actorId, ip: typeof e.ip === 'string', scope: (e.data as Record<string, unknown>).scope }))).toEqual([
    { organisationId: tenant.organisationId, actorId: tenant.accountId, ip: true, scope: 'one' },
  ]);
});

test('"Log out everywhere else" leaves only this browser', async () => {
  const { tenant, desktop, phone } = await scene();
  const tablet = await loggedIn(tenant, SAFARI);
  const page = await accountPage(poort, desktop.agent);
  const after = await postAccount(poort, desktop.agent, page, '/sessions/end-others');
  expect({ notes: notes(after), rows: rows(after), others: [await refreshes(phone), await refreshes(tablet)], desktop: await refreshes(desktop) }).toEqual({
    notes: [message('account.sessions.endedOthers')],
    rows: [{ device: 'Firefox on Windows', current: true, logOut: false }],
    others: ['invalid_grant', 'invalid_grant'],
    desktop: 'ok',
  });
});

test('another person\'s session posted here ends nothing, and the page is the one for a session already ended', async () => {
  const { desktop, stranger, strangerTenant } = await scene();
  const [strangersSession] = await poort.container.browserSessions(strangerTenant.accountId);
  const page = await accountPage(poort, desktop.agent);
  const foreign = await postAccount(poort, desktop.agent, page, '/sessions/end', { session: strangersSession?.uid ?? '' });
  const unknown = await postAccount(poort, desktop.agent, page, '/sessions/end', { session: 'no-such-session' });
  expect({
    same: foreign.body === unknown.body,
    notes: notes(foreign),
    strangerStillIn: isAccountPage(await accountPage(poort, stranger.agent)),
    strangerRefresh: await refreshes(stranger),
  }).toEqual({ same: true, notes: [message('account.sessions.gone')], strangerStillIn: true, strangerRefresh: 'ok' });
});

test('this browser\'s own session posted to "Log out" is refused with a message and ends nothing', async () => {
  const { tenant, desktop } = await scene();
  const [own] = (await poort.container.browserSessions(tenant.accountId)).filter((session) => session.userAgent === FIREFOX);
  const page = await accountPage(poort, desktop.agent);
  const after = await postAccount(poort, desktop.agent, page, '/sessions/end', { session: own?.uid ?? '' });
  expect({ alerts: alerts(after), rows: rows(after).length }).toEqual({ alerts: [message('account.sessions.notHere')], rows: 2 });
});

test('without the CSRF token "Log out" is refused (403) and ends nothing', async () => {
  const { desktop, phone } = await scene();
  const page = await accountPage(poort, desktop.agent);
  const refused = await desktop.agent.request(`${poort.issuer}${ACCOUNT}/sessions/end`, { form: { session: otherSessionValue(page) } });
  expect({ status: refused.status, phone: await refreshes(phone) }).toEqual({ status: 403, phone: 'ok' });
});

test('"Log out" answers 303 with Cache-Control: no-store', async () => {
  const { desktop } = await scene();
  const page = await accountPage(poort, desktop.agent);
  const posted = await desktop.agent.request(`${poort.issuer}${ACCOUNT}/sessions/end`, { form: { csrf: inputValue(page.body, 'csrf') ?? '', session: otherSessionValue(page) } });
  expect({ status: posted.status, location: posted.location, cache: posted.headers.get('cache-control') }).toEqual({
    status: 303, location: `${poort.issuer}${ACCOUNT}#sessions`, cache: 'no-store',
  });
});

// Last: it moves the clock on.
test('two hours later the other browser was last active "2 hours ago", this one "now"', async () => {
  const { desktop } = await scene();
  clock.advance(2 * 3600 + 60);
  const page = await accountPage(poort, desktop.agent);
  expect([...page.body.matchAll(/<p class="hint">(Last active: [^<]*)<\/p>/g)].map((m) => m[1])).toEqual(['Last active: now', 'Last active: 2 hours ago']);
});
