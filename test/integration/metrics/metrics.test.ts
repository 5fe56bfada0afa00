/**
 * Prometheus metrics: off unless METRICS_PORT is set; then a listener of its own on loopback that answers only
 * GET /metrics, in the text format. Each flow moves its counters by exactly what happened, and nothing a request
 * carries (an interaction uid, an e-mail address, an account id, a raw path) ever appears in a scrape.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { FREE_ATTEMPTS } from '../../../src/auth/throttle.ts';
import { LOCK_AFTER } from '../../../src/auth/second-factors.ts';
import { Agent } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { exchange, oidc } from '../../support/rp.ts';
import { attempt, loginWithRefresh, openLogin } from '../../support/security.ts';
import { callbackOf, enrolTotp, expireCodeGate, isCodePage, passwordStep, postCode, totpNow } from '../../support/two-factor.ts';
import { parseExposition, type Exposition } from './exposition.ts';

let poort: TestPoort;
/** Everything a request carried that must never become a label: uids, addresses, account ids. */
const carried: string[] = [];

beforeAll(async () => {
  poort = await startPoort('metrics', { METRICS_PORT: '0' });
});
afterAll(async () => {
  await poort.close();
});

async function scrape(): Promise<Exposition> {
  const response = await fetch(`${poort.metrics?.address}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  for (const value of carried) expect(text).not.toContain(value);
  return parseExposition(text);
}

/** How much each of these samples moved between two scrapes (0 for a sample absent from both). */
function moved(before: Exposition, after: Exposition, name: string, labelSets: Array<Record<string, string>>): number[] {
  return labelSets.map((labels) => (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0));
}

const LOGINS = ['success', 'wrong_password', 'throttled', 'locked'].map((outcome) => ({ outcome }));
const loginsMoved = (before: Exposition, after: Exposition): Record<string, number> =>
  Object.fromEntries(moved(before, after, 'poort_logins_total', LOGINS).map((delta, i) => [LOGINS[i]?.outcome ?? '', delta]));
const TOTP_CHECKS = ['success', 'invalid', 'throttled', 'locked'].map((outcome) => ({ factor: 'totp', outcome }));
const checksMoved = (before: Exposition, after: Exposition): Record<string, number> =>
  Object.fromEntries(moved(before, after, 'poort_second_factor_checks_total', TOTP_CHECKS).map((delta, i) => [TOTP_CHECKS[i]?.outcome ?? '', delta]));
const GRANTS = ['authorization_code', 'refresh_token', 'client_credentials', 'other'].map((grant_type) => ({ grant_type }));
const grantsMoved = (before: Exposition, after: Exposition): Record<string, number> =>
  Object.fromEntries(moved(before, after, 'poort_tokens_issued_total', GRANTS).map((delta, i) => [GRANTS[i]?.grant_type ?? '', delta]));

const noLogins = { success: 0, wrong_password: 0, throttled: 0, locked: 0 };
const noChecks = { success: 0, invalid: 0, throttled: 0, locked: 0 };
const wrongFor = (code: string): string => String((Number(code) + 500_000) % 1_000_000).padStart(6, '0');

async function tenant(): Promise<Tenant> {
  const created = await createTenant(poort);
  carried.push(created.email, created.accountId);
  return created;
}

test('off by default: no listener, and the public port has no /metrics', async () => {
  const plain = await startPoort('metrics-off');
  try {
    expect(plain.metrics).toBeUndefined();
    expect(plain.container.metrics).toBeUndefined();
    expect((await fetch(`${plain.issuer}/metrics`)).status).toBe(404);
  } finally {
    await plain.close();
  }
});

test('a metrics port already taken fails the start, naming it', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as AddressInfo;
  try {
    await expect(startPoort('metrics-taken', { METRICS_PORT: String(port) })).rejects.toThrow(`Cannot listen for metrics on 127.0.0.1:${port}`);
  } finally {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  }
});

test('METRICS_PORT set: a listener of its own on 127.0.0.1 only, answering GET /metrics and nothing else', async () => {
  const listener = poort.metrics;
  expect(listener).toBeDefined();
  const bound = listener?.server.address();
  expect(typeof bound === 'object' && bound?.address).toBe('127.0.0.1');
  const port = typeof bound === 'object' ? bound?.port : undefined;
  expect(port).not.toBe(new URL(poort.issuer).port);

  // Not reachable on the machine's other addresses.
  const external = Object.values(networkInterfaces()).flat().find((entry) => entry && !entry.internal && entry.family === 'IPv4');
  if (external && port) {
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({ host: external.address, port }, () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(outcome).toBe('ECONNREFUSED');
  }

  expect((await fetch(`${listener?.address}/metrics`)).status).toBe(200);
  expect((await fetch(`${listener?.address}/`)).status).toBe(404);
  expect((await fetch(`${listener?.address}/metrics/extra`)).status).toBe(404);
  expect((await fetch(`${listener?.address}/healthz`)).status).toBe(404);
  expect((await fetch(`${listener?.address}/metrics`, { method: 'POST', body: 'x' })).status).toBe(404);
  // The public port never serves them.
  expect((await fetch(`${poort.issuer}/metrics`)).status).toBe(404);
});

test('a password login, its token grant and a refresh: each counter moves by exactly one', async () => {
  const person = await tenant();
  const before = await scrape();
  const { login, callback } = await loginWithRefresh(poort, person);
  carried.push(login.uid);
  const afterLogin = await scrape();
  expect(loginsMoved(before, afterLogin)).toEqual({ ...noLogins, success: 1 });
  expect(grantsMoved(before, afterLogin)).toEqual({ authorization_code: 0, refresh_token: 0, client_credentials: 0, other: 0 });

  const tokens = await exchange(login.config, callback, login.request);
  const afterGrant = await scrape();
  expect(grantsMoved(afterLogin, afterGrant)).toEqual({ authorization_code: 1, refresh_token: 0, client_credentials: 0, other: 0 });

  await oidc.refreshTokenGrant(login.config, tokens.refresh_token as string);
  const afterRefresh = await scrape();
  expect(grantsMoved(afterGrant, afterRefresh)).toEqual({ authorization_code: 0, refresh_token: 1, client_credentials: 0, other: 0 });
  expect(loginsMoved(afterLogin, afterRefresh)).toEqual(noLogins);

  // A refused grant (the rotated-out refresh token) is counted by its OAuth error, not as issued.
  await expect(oidc.refreshTokenGrant(login.config, tokens.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
  const afterRefusal = await scrape();
  expect(grantsMoved(afterRefresh, afterRefusal)).toEqual({ authorization_code: 0, refresh_token: 0, client_credentials: 0, other: 0 });
  expect(moved(afterRefresh, afterRefusal, 'poort_token_errors_total', [{ error: 'invalid_grant' }])).toEqual([1]);
});

test(`a wrong password counts once; after ${FREE_ATTEMPTS + 1} failures the next attempt counts as throttled`, async () => {
  const person = await tenant();
  const login = await openLogin(poort, person);
  carried.push(login.uid);
  const before = await scrape();
  expect((await attempt(login, person.email, 'not the password')).verdict).toBe('failed');
  const afterOne = await scrape();
  expect(loginsMoved(before, afterOne)).toEqual({ ...noLogins, wrong_password: 1 });

  for (let i = 1; i < FREE_ATTEMPTS + 1; i += 1) expect((await attempt(login, person.email, 'not the password')).verdict).toBe('failed');
  expect((await attempt(login, person.email, person.password)).verdict).toBe('throttled');
  const after = await scrape();
  expect(loginsMoved(afterOne, after)).toEqual({ ...noLogins, wrong_password: FREE_ATTEMPTS, throttled: 1 });
});

test('second factor: set-up, a wrong and a right TOTP code, by factor and outcome', async () => {
  const person = await tenant();
  const before = await scrape();
  const { secret } = await enrolTotp(poort, person);
  const afterEnrol = await scrape();
  expect(moved(before, afterEnrol, 'poort_second_factor_enrolments_total', ['started', 'completed', 'refused'].map((outcome) => ({ factor: 'totp', outcome }))))
    .toEqual([1, 1, 0]);

  const login = await passwordStep(poort, person);
  carried.push(login.uid);
  expect(isCodePage(login.step)).toBe(true);
  const afterPassword = await scrape();
  expect(loginsMoved(afterEnrol, afterPassword)).toEqual({ ...noLogins, success: 1 });

  await postCode(poort, login, wrongFor(totpNow(poort, secret)));
  const afterWrong = await scrape();
  expect(checksMoved(afterPassword, afterWrong)).toEqual({ ...noChecks, invalid: 1 });

  const done = await postCode(poort, login, totpNow(poort, secret));
  expect(callbackOf(done, person).searchParams.get('code')).toBeTruthy();
  const afterRight = await scrape();
  expect(checksMoved(afterWrong, afterRight)).toEqual({ ...noChecks, success: 1 });
  expect(loginsMoved(afterPassword, afterRight)).toEqual(noLogins);
  // Recovery codes and SMS have their series too, untouched.
  expect(afterRight.value('poort_second_factor_checks_total', { factor: 'recovery', outcome: 'success' })).toBe(0);
  expect(afterRight.value('poort_second_factor_checks_total', { factor: 'sms', outcome: 'invalid' })).toBe(0);
});

test(`a factor locked after ${LOCK_AFTER} wrong codes: the next code counts as a locked check and a locked login`, async () => {
  const person = await tenant();
  const { secret } = await enrolTotp(poort, person);
  const login = await passwordStep(poort, person);
  carried.push(login.uid);
  const before = await scrape();
  for (let i = 0; i < LOCK_AFTER; i += 1) {
    await expireCodeGate(poort, person.accountId);
    await postCode(poort, login, wrongFor(totpNow(poort, secret)));
  }
  const afterWrong = await scrape();
  expect(checksMoved(before, afterWrong)).toEqual({ ...noChecks, invalid: LOCK_AFTER });
  expect(loginsMoved(before, afterWrong)).toEqual(noLogins);

  await expireCodeGate(poort, person.accountId);
  await postCode(poort, login, totpNow(poort, secret));
  const afterLocked = await scrape();
  expect(checksMoved(afterWrong, afterLocked)).toEqual({ ...noChecks, locked: 1 });
  expect(loginsMoved(afterWrong, afterLocked)).toEqual({ ...noLogins, locked: 1 });
});

test('resets: a second-factor reset by the operator and a forgotten password', async () => {
  const person = await tenant();
  await enrolTotp(poort, person);
  const before = await scrape();
  await poort.container.resetTwoFactor(person.accountId, { kind: 'operator' });
  poort.container.passwordResets.request({ organisationId: person.organisationId, email: person.email, ip: '127.0.0.9', locale: 'en' });
  await poort.container.passwordResets.settle();
  const after = await scrape();
  expect(moved(before, after, 'poort_second_factor_resets_total', [{ actor: 'operator' }, { actor: 'manager' }])).toEqual([1, 0]);
  expect(moved(before, after, 'poort_password_resets_total', ['link_sent', 'throttled', 'completed'].map((outcome) => ({ outcome })))).toEqual([1, 0, 0]);
});

test('HTTP durations by route template: no uid, e-mail, account id or raw path in any label', async () => {
  const uid = randomBytes(16).toString('base64url');
  const path = `/no-such-page-${randomBytes(8).toString('hex')}`;
  carried.push(uid, path);
  const before = await scrape();
  const agent = new Agent();
  await agent.request(`${poort.issuer}/interaction/${uid}`);
  await agent.request(`${poort.issuer}/interaction/${uid}/login`, { form: { csrf: 'x', email: 'scanner@example.org', password: 'x' } });
  await agent.request(`${poort.issuer}${path}`);
  await agent.request(`${poort.issuer}/.well-known/openid-configuration`);
  const after = await scrape();

  const count = (scrapeOf: Exposition, labels: Record<string, string>): number =>
    scrapeOf.find('poort_http_request_duration_seconds_count', labels).reduce((sum, sample) => sum + sample.value, 0);
  expect(count(after, { route: '/interaction/:uid', method: 'GET' }) - count(before, { route: '/interaction/:uid', method: 'GET' })).toBe(1);
  expect(count(after, { route: '/interaction/:uid/login', method: 'POST' }) - count(before, { route: '/interaction/:uid/login', method: 'POST' })).toBe(1);
  expect(count(after, { route: 'unmatched', method: 'GET', status: '404' }) - count(before, { route: 'unmatched', method: 'GET', status: '404' })).toBe(1);
  // oidc-provider's own routes by their template too.
  expect(count(after, { route: '/.well-known/openid-configuration', status: '200' })).toBeGreaterThanOrEqual(1);
  expect(count(after, { route: '/token', method: 'POST', status: '200' })).toBeGreaterThanOrEqual(2);

  // Every route label is a template or `unmatched`, never a path with a uid in it.
  const routes = new Set(after.find('poort_http_request_duration_seconds_count').map((sample) => sample.labels.route));
  for (const route of routes) expect(route === 'unmatched' || route?.startsWith('/')).toBe(true);
  expect([...routes].filter((route) => route?.includes('interaction')).every((route) => route?.startsWith('/interaction/:uid'))).toBe(true);
  expect(JSON.stringify(after.samples)).not.toContain('scanner@example.org');
  expect(after.types.get('poort_http_request_duration_seconds')).toBe('histogram');
});

test('database, argon2 and process metrics are present', async () => {
  const metrics = await scrape();
  expect(metrics.types.get('poort_db_command_duration_seconds')).toBe('histogram');
  const finds = metrics.find('poort_db_command_duration_seconds_count', { command: 'find', outcome: 'ok' });
  expect(finds[0]?.value).toBeGreaterThan(0);
  expect(metrics.find('poort_db_command_duration_seconds_bucket', { command: 'find', outcome: 'ok', le: '+Inf' })[0]?.value).toBe(finds[0]?.value);
  for (const sample of metrics.find('poort_db_command_duration_seconds_count')) expect(sample.labels.command).toMatch(/^[a-zA-Z]+$/);

  expect(metrics.types.get('poort_argon2_running')).toBe('gauge');
  expect(metrics.types.get('poort_argon2_waiting')).toBe('gauge');
  expect(metrics.value('poort_argon2_running')).toBe(0);
  expect(metrics.value('poort_argon2_waiting')).toBe(0);

  for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds']) {
    expect(metrics.find(name).length).toBeGreaterThan(0);
  }
  // Every counter of Poort's own ends in _total and starts with poort_.
  for (const [name, type] of metrics.types) {
    if (!name.startsWith('poort_')) continue;
    if (type === 'counter') expect(name).toMatch(/_total$/);
  }
});

test('argon2 gauges show verifications in flight while logins run', async () => {
  const person = await tenant();
  const logins = Array.from({ length: 8 }, () => openLogin(poort, person).then((login) => {
    carried.push(login.uid);
    return login;
  }));
  const opened = await Promise.all(logins);
  const seen: number[] = [];
  let settled = false;
  const attempts = Promise.all(opened.map((login) => attempt(login, `nobody-${randomBytes(4).toString('hex')}@example.org`, 'wrong password')))
    .finally(() => {
      settled = true;
    });
  while (!settled) {
    const metrics = await scrape();
    seen.push((metrics.value('poort_argon2_running') ?? 0) + (metrics.value('poort_argon2_waiting') ?? 0));
  }
  await attempts;
  expect(Math.max(...seen)).toBeGreaterThan(0);
  const idle = await scrape();
  expect(idle.value('poort_argon2_running')).toBe(0);
  expect(idle.value('poort_argon2_waiting')).toBe(0);
});
