/**
 * Database faults, with the MongoDB stand-in as a real process of this file's own (H2 backend: a data file, so a
 * restart keeps the data): frozen with SIGSTOP, continued with SIGCONT, killed and started again on the same port.
 * Meanwhile Poort answers quickly and honestly — /readyz 503 within 2 s, pages and API answers 503 with Retry-After
 * within the bound DATABASE_TIMEOUT sets — and afterwards it works again by itself, without a restart.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { isDatabaseUnavailable } from '../../../src/unavailable.ts';
import { startMongoStandin, type MongoStandin } from '../../../src/dev/mongo-standin.ts';
import { HttpError } from '../../../src/http/problem.ts';
import { en } from '../../../src/i18n/en.ts';
import { nl } from '../../../src/i18n/nl.ts';
import { Agent, type Page } from '../../support/browser.ts';
import { createTenant, freePort, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, exchange } from '../../support/rp.ts';
import { attempt, captureLog, codeOf, expectNoLeak, openLogin, type OpenLogin } from '../../support/security.ts';

/** DATABASE_TIMEOUT for this Poort, in seconds: small, so the file stays fast. */
const DATABASE_TIMEOUT = 2;
/** The longest a request may take while the database is frozen or gone: the bound, plus room for a busy machine. */
const REQUEST_BOUND_MS = DATABASE_TIMEOUT * 1000 + 1000;
/** /readyz answers within this whatever DATABASE_TIMEOUT is (a load balancer's probe gives up after that). */
const READY_BOUND_MS = 2000;

let dir: string;
let port: number;
let standin: MongoStandin | undefined;
let frozenPid: number | undefined;
let poort: TestPoort | undefined;
let tenant: Tenant;
const log = captureLog('info');
const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => {
  rejections.push(reason);
};

const startStandin = (): Promise<MongoStandin> => startMongoStandin({ backend: 'h2', dataFile: join(dir, 'poort.h2'), port });

/** Every thread of `pid` is stopped (Linux: /proc); elsewhere a short wait stands in for the check. */
async function stopped(pid: number): Promise<boolean> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => undefined);
  if (!tasks) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    return true;
  }
  const states = await Promise.all(tasks.map((task) => readFile(`/proc/${pid}/task/${task}/stat`, 'utf8').then((stat) => stat.replace(/^.*\) /, '')[0], () => 'T')));
  return states.every((state) => state === 'T' || state === 't');
}

/** SIGSTOP, and wait until it has taken effect: the signal reaches the JVM's threads a few milliseconds apart. */
async function freeze(): Promise<void> {
  if (!standin) throw new Error('no stand-in running');
  process.kill(standin.pid, 'SIGSTOP');
  frozenPid = standin.pid;
  const started = performance.now();
  while (!(await stopped(standin.pid))) {
    if (performance.now() - started > 2000) throw new Error('the stand-in did not stop within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function thaw(): void {
  if (frozenPid === undefined) return;
  try {
    process.kill(frozenPid, 'SIGCONT');
  } catch {
    // already gone
  }
  frozenPid = undefined;
}

const running = (): TestPoort => {
  if (!poort) throw new Error('Poort did not start');
  return poort;
};

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - started) };
}

async function readyz(): Promise<{ status: number; ms: number; retryAfter: string | null }> {
  const { value, ms } = await timed(() => fetch(`${running().issuer}/readyz`, { signal: AbortSignal.timeout(10_000) }));
  await value.text();
  return { status: value.status, ms, retryAfter: value.headers.get('retry-after') };
}

/** Polls /readyz until it says 200 (bounded); answers how long that took. */
async function readyWithin(ms: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    if ((await readyz()).status === 200) return Math.round(performance.now() - started);
    if (performance.now() - started > ms) throw new Error(`/readyz not 200 within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The captured log, one object per line. */
const logLines = (): Record<string, unknown>[] => log.text().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
const logged = (msg: string): number => logLines().filter((line) => line.msg === msg).length;

/** Waits (bounded) until `msg` has been logged `times` times. */
async function loggedWithin(msg: string, times: number, ms: number): Promise<void> {
  const started = performance.now();
  while (logged(msg) < times) {
    if (performance.now() - started > ms) throw new Error(`"${msg}" logged ${logged(msg)} times, not ${times}, within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What a person sees on the "temporarily unavailable" page, in the catalogue's words. */
function expectUnavailablePage(page: Page, catalogue: Record<keyof typeof en, string>): void {
  expect(page.status).toBe(503);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(page.body).toContain(`<h1>${catalogue['error.unavailableTitle']}</h1>`);
  expect(page.body).toContain(`<p>${catalogue['error.unavailable']}</p>`);
  expect(page.body).not.toContain(catalogue['error.generic']);
  expectNoLeak(page.body);
}

/** A new login through the real pages, to the RP's callback and its tokens. */
async function logsIn(): Promise<void> {
  const login = await openLogin(running(), tenant);
  await finishes(login);
}

/** Finishes `login` with the right password: back at the RP with a code that gives tokens. */
async function finishes(login: OpenLogin): Promise<void> {
  const result = await attempt(login, tenant.email, tenant.password);
  if (!result.callback) throw new Error(`login did not return to the RP: ${result.page.status} ${result.page.body.slice(0, 300)}`);
  expect(codeOf(result.callback)).toBeTruthy();
  const tokens = await exchange(login.config, result.callback, login.request);
  expect(tokens.claims()?.sub).toBe(tenant.accountId);
}

/** The answers Poort gives meanwhile, each timed: its own pages, oidc-provider's endpoints, JSON clients. */
async function answersWhileDown(before: OpenLogin): Promise<Record<string, { value: Page; ms: number }>> {
  const issuer = running().issuer;
  const fresh = await authorizationRequest(before.config, tenant.redirectUri);
  const dutch = new Agent({ headers: { 'accept-language': 'nl' } });
  const [loginPage, loginPageNl, loginPost, authorize, apiClient, token] = await Promise.all([
    timed(() => before.agent.request(before.base)),
    timed(() => before.agent.request(before.base, { headers: { 'accept-language': 'nl' } })),
    timed(() => before.agent.request(`${before.base}/login`, { form: { csrf: before.csrf, email: tenant.email, password: tenant.password } })),
    timed(() => dutch.request(fresh.url.toString())),
    timed(() => before.agent.request(before.base, { headers: { accept: 'application/json' } })),
    timed(async (): Promise<Page> => {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${tenant.clientId}:${tenant.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'made-up', redirect_uri: tenant.redirectUri }).toString(),
      });
      return { status: response.status, url: response.url, body: await response.text(), headers: response.headers };
    }),
  ]);
  return { loginPage, loginPageNl, loginPost, authorize, apiClient, token };
}

function expectAnswersWhileDown(answers: Awaited<ReturnType<typeof answersWhileDown>>): void {
  for (const [name, { ms }] of Object.entries(answers)) expect({ name, withinBound: ms <= REQUEST_BOUND_MS, ms }).toMatchObject({ name, withinBound: true });
  expectUnavailablePage(answers.loginPage!.value, en);
  expectUnavailablePage(answers.loginPageNl!.value, nl);
  expectUnavailablePage(answers.loginPost!.value, en);
  expectUnavailablePage(answers.authorize!.value, nl);

  const api = answers.apiClient!.value;
  expect(api.status).toBe(503);
  expect(api.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(api.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(JSON.parse(api.body)).toEqual({
    type: 'urn:poort:problem:temporarily_unavailable', title: en['error.unavailable'], status: 503, code: 'temporarily_unavailable',
  });

  const token = answers.token!.value;
  expect(token.status).toBe(503);
  expect(token.headers.get('content-type')).toMatch(/^application\/json/);
  expect(token.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(JSON.parse(token.body)).toEqual({ error: 'temporarily_unavailable', error_description: en['error.unavailable'] });
}

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  dir = await mkdtemp(join(tmpdir(), 'poort-database-faults-'));
  port = await freePort();
  standin = await startStandin();
  poort = await startPoort(import.meta.url, { MONGODB_URI: `${standin.uri}/poort_database_faults`, DATABASE_TIMEOUT: `${DATABASE_TIMEOUT}s` }, { logger: log.logger });
  tenant = await createTenant(poort);
}, 90_000);

afterAll(async () => {
  // A failed test may leave the stand-in frozen: Poort's shutdown and the stand-in's own must not wait on it.
  thaw();
  await poort?.close();
  await standin?.stop();
  await rm(dir, { recursive: true, force: true });
  process.off('unhandledRejection', onRejection);
}, 30_000);

describe('what counts as the database being unavailable (503) rather than a bug (500)', () => {
  const { mongo } = mongoose;
  const named = (name: string, message = 'x'): Error => Object.assign(new Error(message), { name });
  test.each<[string, unknown]>([
    ['no reply in time', new mongo.MongoNetworkTimeoutError('connection 2 to 127.0.0.1:1 timed out')],
    ['connection refused', new mongo.MongoNetworkError('connect ECONNREFUSED 127.0.0.1:1')],
    ['no server selected', named('MongoServerSelectionError')],
    ['no free connection', named('MongoWaitQueueTimeoutError')],
    ['a replica set without primary', new mongo.MongoServerError({ code: 10107, errmsg: 'not primary' })],
    ['wrapped as a cause', new Error('throttle failed', { cause: new mongo.MongoNetworkError('reset') })],
    ['mongoose buffering', named('MongooseError', 'Operation `accounts.findOne()` buffering timed out after 10000ms')],
    ['a rate limiter without its collection', new Error('Mongo connection is not established')],
  ])('%s: unavailable', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });
  test.each<[string, unknown]>([
    ['a duplicate key', new mongo.MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key' })],
    ['a bug', new TypeError('undefined is not a function')],
    ['a refusal', new HttpError(400, 'bad_request', 'error.badRequest')],
    ['not an error', 'database down'],
  ])('%s: not unavailable', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

test('healthy: /readyz 200 and a login works', async () => {
  expect((await readyz()).status).toBe(200);
  await logsIn();
});

describe('frozen (SIGSTOP), then continued (SIGCONT)', () => {
  let before: OpenLogin;
  beforeAll(async () => {
    before = await openLogin(running(), tenant);
    await freeze();
  });
  afterAll(thaw);

  test('/readyz answers 503 within 2 s, again and again; /healthz stays 200', async () => {
    for (let round = 0; round < 2; round += 1) {
      const ready = await readyz();
      expect({ status: ready.status, withinBound: ready.ms <= READY_BOUND_MS, ms: ready.ms }).toMatchObject({ status: 503, withinBound: true });
      expect(ready.retryAfter).toMatch(/^\d+$/);
    }
    const health = await timed(() => fetch(`${running().issuer}/healthz`));
    expect(health.value.status).toBe(200);
    expect(health.ms).toBeLessThan(500);
  });

  test('pages, API and token answers: 503 "temporarily unavailable" with Retry-After, within the bound', async () => {
    expectAnswersWhileDown(await answersWhileDown(before));
  }, 20_000);

  test('the outage is logged once, by the driver\'s monitor (a check every DATABASE_TIMEOUT)', async () => {
    await loggedWithin('database unreachable', 1, 3 * DATABASE_TIMEOUT * 1000);
  }, 10_000);

  test('after SIGCONT the next login succeeds at once, and a login begun before the freeze finishes', async () => {
    thaw();
    const { ms } = await timed(logsIn);
    expect(ms).toBeLessThan(REQUEST_BOUND_MS);
    await finishes(before);
    expect((await readyz()).status).toBe(200);
    await loggedWithin('database reachable again', 1, 3 * DATABASE_TIMEOUT * 1000);
  }, 15_000);
});

describe('killed (SIGTERM), then started again on the same port and data file', () => {
  let before: OpenLogin;
  beforeAll(async () => {
    before = await openLogin(running(), tenant);
    await standin?.stop();
  }, 20_000);

  test('meanwhile /readyz answers 503 within 2 s and pages 503 within the bound, before and after the monitor notices', async () => {
    const ready = await readyz();
    expect({ status: ready.status, withinBound: ready.ms <= READY_BOUND_MS, ms: ready.ms }).toMatchObject({ status: 503, withinBound: true });
    expectAnswersWhileDown(await answersWhileDown(before));
    await loggedWithin('database unreachable', 2, 3 * DATABASE_TIMEOUT * 1000);
    expectAnswersWhileDown(await answersWhileDown(before));
  }, 30_000);

  test('once the stand-in is back, Poort is ready again by itself and logins succeed, the one begun before included', async () => {
    standin = await startStandin();
    await readyWithin(10_000);
    await logsIn();
    await finishes(before);
    await loggedWithin('database reachable again', 2, 3 * DATABASE_TIMEOUT * 1000);
  }, 60_000);
});

test('each outage is in the log once each way, no request answered 500, nothing rejected unhandled', () => {
  const lines = logLines();
  expect(logged('database unreachable')).toBe(2);
  expect(logged('database reachable again')).toBe(2);
  expect(lines.filter((line) => line.msg === 'request' && Number(line.status) >= 500 && line.status !== 503)).toEqual([]);
  expect(lines.filter((line) => line.msg === 'request failed')).toEqual([]);
  expect(rejections).toEqual([]);
});
