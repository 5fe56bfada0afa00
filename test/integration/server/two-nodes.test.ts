/**
 * Two Poort nodes — two operating-system processes — on one database, behind a proxy that sends each request to the
 * node the test chooses, or round-robin: nothing a login, a refresh, the throttle or a logout needs is kept in a
 * node's memory, so any request may land on either node (no sticky sessions; docs/operations.md, "Several nodes").
 * Both nodes get the same ISSUER (the proxy), JWKS, COOKIE_KEYS and ENCRYPTION_KEY, as an operator configures them.
 */
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { ACR } from '../../../config/oidc.ts';
import { loadConfig } from '../../../config/load.ts';
import { FREE_ATTEMPTS } from '../../../src/auth/throttle.ts';
import { currentTotp, generateTotpSecret } from '../../../src/auth/factors/totp.ts';
import { createContainer, type Container } from '../../../src/container.ts';
import { createLogger } from '../../../src/log.ts';
import { Agent } from '../../support/browser.ts';
import { testDatabaseUri } from '../../support/database.ts';
import { createTenant, type Tenant, type TestPoort } from '../../support/poort.ts';
import { sharedSecrets, startPoortProcess, type PoortProcess } from '../../support/poort-process.ts';
import { authorizationRequest, confirmLogout, exchange, oidc, postLogoutUri, returnedToRp } from '../../support/rp.ts';
import { attempt, openLogin, postLogin, submitAutoForm, type OpenLogin } from '../../support/security.ts';
import { startSwitchProxy, type Choice, type Served, type SwitchProxy } from '../../support/switch-proxy.ts';
import { callbackOf, isCodePage, postCode } from '../../support/two-factor.ts';

let proxy: SwitchProxy;
let nodes: PoortProcess[] = [];
/** The database as the operator's tools see it (accounts, clients, second factors): no HTTP, no node. */
let setup: Container | undefined;

beforeAll(async () => {
  proxy = await startSwitchProxy({ forwarded: true });
  const env = {
    NODE_ENV: 'test',
    ISSUER: proxy.url,
    MONGODB_URI: testDatabaseUri(import.meta.url),
    ...sharedSecrets(),
    TRUST_PROXY: 'true',
    LOG_LEVEL: 'warn',
  };
  // Built first, so its indexes exist before the nodes start (each node creates them too, idempotently).
  setup = await createContainer(loadConfig(env), { logger: createLogger('silent') });
  const started = await Promise.allSettled(['A', 'B'].map((name) => startPoortProcess(env, { name })));
  nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  for (const node of nodes) proxy.add(node.name, node.address);
}, 90_000);

afterAll(async () => {
  await proxy?.close();
  await Promise.all(nodes.map((node) => node.stop()));
  await setup?.close();
}, 60_000);

/** What the tenant helpers read of a Poort: its public address and the database's services. */
const site = (): TestPoort => ({ issuer: proxy.url, container: setup }) as unknown as TestPoort;

const nodesOf = (served: readonly Served[]): string[] => [...new Set(served.map((entry) => entry.node))];
const requestsOf = (served: readonly Served[]): string[] => served.map((entry) => `${entry.method} ${entry.path}`);

/** Runs `work` with the proxy sending every request to `choice`; answers its result and the requests it made. */
async function on<T>(choice: Choice, work: () => Promise<T>): Promise<{ value: T; served: Served[] }> {
  proxy.use(choice);
  const mark = proxy.served.length;
  const value = await work();
  return { value, served: proxy.since(mark) };
}

/** Gives the account an authenticator app, as if set up: the key is the test's, sealed as Poort seals it. */
async function withAuthenticator(tenant: Tenant): Promise<string> {
  if (!setup) throw new Error('no database');
  const secret = generateTotpSecret();
  await setup.models.SecondFactor.create({
    _id: tenant.accountId,
    organisationId: tenant.organisationId,
    method: 'totp',
    totpSecret: setup.box.seal(Buffer.from(secret), `totp:${tenant.accountId}`),
    enabledAt: new Date(),
  });
  return secret;
}

/**
 * The code the person's app shows now. The nodes run on the real clock and accept the codes of the previous, current
 * and next 30 s step, so this code is still accepted if a step ends before it arrives.
 */
const codeNow = (secret: string): string => currentTotp(secret, new Date());

interface Route {
  /** Discovery, the authorization request and the login page it leads to. */
  authorize: Choice;
  /** The password POST and the redirects after it (to the code page, or back to the client). */
  password: Choice;
  /** The code POST and the redirects back to the client (only with an authenticator). */
  code: Choice;
  /** The token request. */
  token: Choice;
}

interface Done {
  agent: Agent;
  login: OpenLogin;
  tokens: Awaited<ReturnType<typeof exchange>>;
  /** The requests each step made, with the node that served them. */
  steps: Record<keyof Route, Served[]>;
}

/** A whole authorization-code login with PKCE through openid-client, each step on the node `route` chooses. */
async function loginThrough(tenant: Tenant, secret: string | undefined, route: Route, extra: Record<string, string> = {}): Promise<Done> {
  const agent = new Agent();
  const authorize = await on(route.authorize, () => openLogin(site(), tenant, extra, agent));
  const login = authorize.value;
  const password = await on(route.password, async () => {
    const posted = await postLogin(login, tenant.email, tenant.password);
    if (posted.status !== 303 || !posted.location) throw new Error(`password POST answered ${posted.status}`);
    return submitAutoForm(agent, proxy.url, await agent.follow(posted.location, proxy.url));
  });
  let last = password.value;
  let code: Served[] = [];
  if (secret) {
    if (!isCodePage(last)) throw new Error(`expected the code page, got ${last.status} ${last.location ?? last.body.slice(0, 300)}`);
    const step = await on(route.code, () => postCode(site(), login, codeNow(secret)));
    last = step.value;
    code = step.served;
  }
  const callback = callbackOf(last, tenant);
  const token = await on(route.token, () => exchange(login.config, callback, login.request));
  return { agent, login, tokens: token.value, steps: { authorize: authorize.served, password: password.served, code, token: token.served } };
}

test('a login whose steps alternate: authorize on A, password on B, code on A, token on B', async () => {
  const tenant = await createTenant(site());
  const secret = await withAuthenticator(tenant);
  const { login, tokens, steps } = await loginThrough(tenant, secret, { authorize: 'A', password: 'B', code: 'A', token: 'B' });

  // Each step was served by the node it was sent to, and only by it.
  expect(nodesOf(steps.authorize)).toEqual(['A']);
  expect(requestsOf(steps.authorize)).toEqual(expect.arrayContaining(['GET /.well-known/openid-configuration', 'GET /auth', `GET /interaction/${login.uid}`]));
  expect(nodesOf(steps.password)).toEqual(['B']);
  expect(requestsOf(steps.password)).toContain(`POST /interaction/${login.uid}/login`);
  expect(nodesOf(steps.code)).toEqual(['A']);
  expect(requestsOf(steps.code)).toContain(`POST /interaction/${login.uid}/second-factor`);
  expect(steps.token.map((entry) => [entry.node, entry.method, entry.path, entry.status])).toEqual([['B', 'POST', '/token', 200]]);

  const claims = tokens.claims();
  expect(claims).toMatchObject({
    iss: proxy.url,
    sub: tenant.accountId,
    aud: tenant.clientId,
    acr: ACR.multiFactor,
    amr: ['pwd', 'otp', 'mfa'],
    nonce: login.request.nonce,
  });
  // The ID token B signed verifies against the keys A publishes: both nodes sign with the same keys.
  const jwks = await on('A', async () => (await fetch(String(login.config.serverMetadata().jwks_uri))).json() as Promise<JSONWebKeySet>);
  expect(nodesOf(jwks.served)).toEqual(['A']);
  const verified = await jwtVerify(tokens.id_token as string, createLocalJWKSet(jwks.value), { issuer: proxy.url, audience: tenant.clientId });
  expect(verified.payload.sub).toBe(tenant.accountId);
  // And the access token B issued is served by A.
  const info = await on('A', () => oidc.fetchUserInfo(login.config, tokens.access_token, tenant.accountId));
  expect(nodesOf(info.served)).toEqual(['A']);
  expect(info.value).toMatchObject({ sub: tenant.accountId, email: tenant.email });
});

test('a refresh on the other node than the one that issued the token; the old refresh token is then refused on the first', async () => {
  const tenant = await createTenant(site());
  const { login, tokens } = await loginThrough(tenant, undefined, { authorize: 'A', password: 'A', code: 'A', token: 'B' }, {
    scope: 'openid email offline_access',
    prompt: 'consent',
  });
  const first = tokens.refresh_token;
  expect(first).toBeDefined();

  const refreshed = await on('A', () => oidc.refreshTokenGrant(login.config, first as string));
  expect(refreshed.served.map((entry) => [entry.node, entry.path, entry.status])).toEqual([['A', '/token', 200]]);
  expect(refreshed.value.refresh_token).toBeDefined();
  expect(refreshed.value.refresh_token).not.toBe(first);
  expect(refreshed.value.claims()?.sub).toBe(tenant.accountId);

  // The access token A issued is served by B.
  const info = await on('B', () => oidc.fetchUserInfo(login.config, refreshed.value.access_token, tenant.accountId));
  expect(nodesOf(info.served)).toEqual(['B']);
  expect(info.value.email).toBe(tenant.email);

  // Rotation is shared: the refresh token A rotated away is spent on B as well.
  const replay = await on('B', () => oidc.refreshTokenGrant(login.config, first as string).then(() => 'accepted', (error: unknown) => error));
  expect(nodesOf(replay.served)).toEqual(['B']);
  expect(replay.value).toMatchObject({ error: 'invalid_grant' });
});

test(`wrong passwords alternating A/B: the throttle counts both nodes' attempts and refuses attempt ${FREE_ATTEMPTS + 2}`, async () => {
  const tenant = await createTenant(site());
  const { value: login } = await on('A', () => openLogin(site(), tenant));
  const verdicts: string[] = [];
  const posts: Served[] = [];
  // FREE_ATTEMPTS failures cost nothing, the next one passes and sets the first delay, the one after is refused.
  // With counters per node, each node would have seen only half of the attempts and none would refuse yet.
  for (let number = 1; number <= 2 * (FREE_ATTEMPTS + 2) && !verdicts.includes('throttled'); number += 1) {
    const node = number % 2 === 1 ? 'A' : 'B';
    const tried = await on(node, () => attempt(login, tenant.email, `Not the password ${number}!`));
    verdicts.push(tried.value.verdict);
    posts.push(...tried.served.filter((entry) => entry.method === 'POST'));
  }
  expect(verdicts).toEqual([...Array(FREE_ATTEMPTS + 1).fill('failed'), 'throttled']);
  expect(posts.map((entry) => entry.node)).toEqual(verdicts.map((_, index) => (index % 2 === 0 ? 'A' : 'B')));
  expect(new Set(posts.map((entry) => entry.path))).toEqual(new Set([`/interaction/${login.uid}/login`]));

  // The other node refuses too, even the right password (it is not checked during the delay).
  const right = await on('B', () => attempt(login, tenant.email, tenant.password));
  expect(nodesOf(right.served)).toEqual(['B']);
  expect(right.value.callback).toBeUndefined();
  expect(right.value.verdict).toBe('throttled');
});

test('a logout on A ends the session on B: prompt=none there answers login_required', async () => {
  const tenant = await createTenant(site());
  const { agent, login, tokens } = await loginThrough(tenant, undefined, { authorize: 'A', password: 'A', code: 'A', token: 'A' });
  const silently = async (node: string): Promise<URL> => {
    const request = await authorizationRequest(login.config, tenant.redirectUri, { prompt: 'none' });
    const { value, served } = await on(node, () => agent.follow(request.url.toString(), proxy.url));
    expect(nodesOf(served)).toEqual([node]);
    return returnedToRp(value, tenant.redirectUri);
  };

  // The session A started is B's as well.
  expect((await silently('B')).searchParams.get('code')).toBeTruthy();

  const logout = await on('A', async () => {
    const confirm = await agent.follow(oidc.buildEndSessionUrl(login.config, { id_token_hint: tokens.id_token as string, post_logout_redirect_uri: postLogoutUri(tenant), state: 'bye' }).toString(), proxy.url);
    return returnedToRp(await confirmLogout(agent, proxy.url, confirm), postLogoutUri(tenant));
  });
  expect(nodesOf(logout.served)).toEqual(['A']);
  expect(requestsOf(logout.served)).toEqual(expect.arrayContaining(['GET /session/end', 'POST /session/end/confirm']));
  expect(logout.value.searchParams.get('state')).toBe('bye');

  for (const node of ['B', 'A']) {
    const after = await silently(node);
    expect({ node, error: after.searchParams.get('error'), code: after.searchParams.has('code') }).toEqual({ node, error: 'login_required', code: false });
  }
});

test('round-robin: a whole login with a code in which every single request goes to the other node than the one before', async () => {
  const tenant = await createTenant(site());
  const secret = await withAuthenticator(tenant);
  proxy.use('round-robin');
  const mark = proxy.served.length;
  const { tokens } = await loginThrough(tenant, secret, { authorize: 'round-robin', password: 'round-robin', code: 'round-robin', token: 'round-robin' });
  const served = proxy.since(mark);

  expect(served.map((entry) => entry.node)).toEqual(served.map((_, index) => (index % 2 === 0 ? 'A' : 'B')));
  expect(served.length).toBeGreaterThanOrEqual(8);
  expect(served.filter((entry) => entry.status >= 500)).toEqual([]);
  const requests = requestsOf(served);
  for (const step of ['GET /auth', 'POST /token']) expect(requests).toContain(step);
  expect(requests.some((request) => /^POST \/interaction\/[\w-]+\/login$/.test(request))).toBe(true);
  expect(requests.some((request) => /^POST \/interaction\/[\w-]+\/second-factor$/.test(request))).toBe(true);
  expect(tokens.claims()).toMatchObject({ sub: tenant.accountId, acr: ACR.multiFactor, amr: ['pwd', 'otp', 'mfa'] });
});

test('neither node logged an error while serving all of the above', async () => {
  for (const node of nodes) {
    const errors = node.stdout().split('\n').filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level?: number; msg?: string })
      .filter((line) => (line.level ?? 0) >= 50);
    expect({ node: node.name, errors }).toEqual({ node: node.name, errors: [] });
    expect({ node: node.name, stderr: node.stderr() }).toEqual({ node: node.name, stderr: '' });
  }
});
