/**
 * The admin API's refusals as a client sees them: RFC 9457 problems with their stable `code` and `type`, the
 * headers that go with them (WWW-Authenticate, Allow, Retry-After), `no-store` on everything — through the whole
 * Poort app, whose own error pages must not answer for the API — and, with the router alone on stubbed services,
 * a database outage (503), a bug (a bare 500) and the rate limit (429).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Koa from 'koa';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { ACR, ADMIN_API } from '../../../config/oidc.ts';
import type { Account } from '../../../src/accounts/accounts.ts';
import { createAdminApiRouter, type AdminApiDeps } from '../../../src/admin-api/router.ts';
import { createLogger } from '../../../src/log.ts';
import { startPoort, type TestPoort } from '../../support/poort.ts';

const PASSWORD = 'Stevige kast 42 deur!';
const epoch = (date: Date): number => Math.floor(date.getTime() / 1000);

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the test says so
  }
  return { status: response.status, headers: response.headers, text, json };
}

function expectProblem(answer: Answer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.json.code }).toEqual({ status, code });
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.headers.get('cache-control')).toBe('no-store');
  expect(answer.json).toMatchObject({ type: `urn:poort:problem:${code}`, status, title: expect.any(String) });
  expect(answer.text).not.toMatch(/\n\s+at .*:\d+:\d+|<html/i);
}

describe('through the whole app', () => {
  let poort: TestPoort;
  let base: string;
  let key: JWK;
  let orgA: string;
  let orgOff: string;
  let platformA: string;
  let platformOff: string;
  let manager: string;
  let managerOff: string;
  let clientAccount: string;
  let otherOrgAccount: string;

  beforeAll(async () => {
    poort = await startPoort('admin-api-problems');
    base = `${poort.issuer}${ADMIN_API.path}`;
    key = poort.container.config.jwks.keys.find((k) => k.kty === 'RSA') as JWK;
    const { organisations, clients, accounts } = poort.container;
    orgA = (await organisations.create({ name: 'Org A' }))._id;
    orgOff = (await organisations.create({ name: 'Org Off', twoFactor: 'off' }))._id;
    const orgB = (await organisations.create({ name: 'Org B' }))._id;
    platformA = (await clients.create({ organisationId: orgA, redirectUris: ['https://a.example.org/cb'], firstParty: true })).clientId;
    platformOff = (await clients.create({ organisationId: orgOff, redirectUris: ['https://off.example.org/cb'], firstParty: true })).clientId;
    const account = async (organisationId: string, role: 'manager' | 'client') =>
      (await accounts.create({ organisationId, email: `${role}.${randomUUID()}@example.org`, role, password: PASSWORD }))._id;
    manager = await account(orgA, 'manager');
    managerOff = await account(orgOff, 'manager');
    clientAccount = await account(orgA, 'client');
    otherOrgAccount = await account(orgB, 'client');
  }, 60_000);

  afterAll(async () => {
    await poort?.close();
  });

  /** A token as oidc-provider signs it (Poort's own key), for `sub` through `clientId`. */
  async function token(sub: string, clientId: string, overrides: Record<string, unknown> = {}): Promise<string> {
    const now = epoch(new Date());
    const claims = {
      iss: poort.issuer, aud: base, sub, client_id: clientId, scope: 'admin', jti: randomUUID(), iat: now, exp: now + 300,
      acr: ACR.multiFactor, amr: ['pwd', 'otp', 'mfa'], auth_time: epoch(poort.container.now()), ...overrides,
    };
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: key.kid as string }).sign(await importJWK(key, 'RS256'));
  }
  const bearer = async (sub = manager, clientId = platformA, overrides: Record<string, unknown> = {}) => ({ authorization: `Bearer ${await token(sub, clientId, overrides)}` });

  it('no token: 401 with a bare Bearer challenge', async () => {
    const answer = await send(`${base}/v1/me`);
    expectProblem(answer, 401, 'authentication_required');
    expect(answer.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('a token that is not one: 401 invalid_token with its challenge', async () => {
    const answer = await send(`${base}/v1/me`, { headers: { authorization: 'Bearer not.a.token' } });
    expectProblem(answer, 401, 'invalid_token');
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
  });

  it('a disabled manager\'s unexpired token stops working at once', async () => {
    const { accounts } = poort.container;
    const id = (await accounts.create({ organisationId: orgA, email: `gone.${randomUUID()}@example.org`, role: 'manager', password: PASSWORD }))._id;
    const headers = await bearer(id);
    expect((await send(`${base}/v1/me`, { headers })).status).toBe(200);
    await poort.container.accountAdmin.disable(id);
    expectProblem(await send(`${base}/v1/me`, { headers }), 401, 'invalid_token');
  });

  it('a client (patient) has no access: 403', async () => {
    expectProblem(await send(`${base}/v1/me`, { headers: await bearer(clientAccount) }), 403, 'forbidden');
  });

  it('unknown paths under /api/admin are JSON 404s, also for a browser', async () => {
    for (const path of ['', '/', '/v1', '/v1/nothing', '/v2/accounts', '/v1/accounts/x/y/z']) {
      const answer = await send(`${base}${path}`, { headers: { accept: 'text/html' } });
      expectProblem(answer, 404, 'not_found');
    }
  });

  it('a known path with another method: 405 with Allow', async () => {
    const answer = await send(`${base}/v1/accounts`, { method: 'DELETE', headers: await bearer() });
    expectProblem(answer, 405, 'method_not_allowed');
    expect(answer.headers.get('allow')).toBe('GET, POST, HEAD');
    expect((await send(`${base}/v1/accounts/${manager}/two-factor/reset`, { method: 'GET' })).headers.get('allow')).toBe('POST');
  });

  it('a body that is not JSON: 415; bad JSON: 400 invalid_json; over 64 kB: 413', async () => {
    const headers = await bearer();
    expectProblem(await send(`${base}/v1/accounts`, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: '{}' }), 415, 'unsupported_media_type');
    expectProblem(await send(`${base}/v1/accounts`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=a' }), 415, 'unsupported_media_type');
    expectProblem(await send(`${base}/v1/accounts`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"email": ' }), 400, 'invalid_json');
    const latin1 = Buffer.from('{"email":"\xe9@example.org","role":"client"}', 'latin1');
    expectProblem(await send(`${base}/v1/accounts`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: new Uint8Array(latin1) }), 400, 'invalid_json');
    const big = JSON.stringify({ email: 'a@example.org', role: 'client', name: 'x'.repeat(70 * 1024) });
    expectProblem(await send(`${base}/v1/accounts`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: big }), 413, 'body_too_large');
  });

  it('invalid input: 400 naming every field, unknown ones included', async () => {
    const headers = { ...(await bearer()), 'content-type': 'application/json' };
    const answer = await send(`${base}/v1/accounts`, { method: 'POST', headers, body: JSON.stringify({ email: 'not an address', role: 'boss', colour: 'red' }) });
    expectProblem(answer, 400, 'invalid_request');
    const fields = (answer.json.errors as Array<{ field: string; message: string }>).map((e) => e.field).sort();
    expect(fields).toEqual(['colour', 'email', 'role']);
    const query = await send(`${base}/v1/accounts?limit=1000&sort=name`, { headers });
    expectProblem(query, 400, 'invalid_request');
    expect((query.json.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual(['limit', 'sort']);
    const empty = await send(`${base}/v1/accounts/${clientAccount}`, { method: 'PATCH', headers, body: '{}' });
    expect((empty.json.errors as Array<{ field: string }>).map((e) => e.field)).toEqual(['body']);
  });

  it('another organisation\'s account is exactly a missing one: the same 404, byte for byte', async () => {
    const headers = await bearer();
    const other = await send(`${base}/v1/accounts/${otherOrgAccount}`, { headers });
    const missing = await send(`${base}/v1/accounts/${randomUUID()}`, { headers });
    expectProblem(other, 404, 'not_found');
    expect(other.text).toBe(missing.text);
    for (const [method, path] of [['POST', 'two-factor/reset'], ['POST', 'sessions/revoke'], ['POST', 'welcome'], ['PATCH', '']] as const) {
      const init = { method, headers: { ...headers, 'content-type': 'application/json' }, ...(method === 'PATCH' ? { body: '{"name":"X"}' } : {}) };
      const a = await send(`${base}/v1/accounts/${otherOrgAccount}${path ? `/${path}` : ''}`, init);
      const b = await send(`${base}/v1/accounts/${randomUUID()}${path ? `/${path}` : ''}`, init);
      expect({ path, status: a.status, text: a.text }).toEqual({ path, status: 404, text: b.text });
    }
  });

  it('step-up: the RFC 9470 challenge, with acr_values where the organisation has 2FA, max_age only where it has none', async () => {
    const old = epoch(poort.container.now()) - 601;
    const stale = await send(`${base}/v1/accounts/${clientAccount}/two-factor/reset`, { method: 'POST', headers: await bearer(manager, platformA, { auth_time: old }) });
    expectProblem(stale, 401, 'insufficient_user_authentication');
    expect(stale.headers.get('www-authenticate')).toBe('Bearer error="insufficient_user_authentication", '
      + 'error_description="this action needs a login with a second factor within the last 600 seconds", acr_values="urn:poort:acr:mfa", max_age="600"');
    const weak = await send(`${base}/v1/accounts/${clientAccount}/two-factor/reset`, { method: 'POST', headers: await bearer(manager, platformA, { acr: ACR.password, amr: ['pwd'] }) });
    expect(weak.headers.get('www-authenticate')).toContain('acr_values="urn:poort:acr:mfa"');

    const off = await send(`${base}/v1/organisation/policy`, {
      method: 'PUT', headers: { ...(await bearer(managerOff, platformOff, { acr: ACR.password, amr: ['pwd'], auth_time: old })), 'content-type': 'application/json' },
      body: JSON.stringify({ twoFactor: 'off', allowedMethods: ['totp'], codeValidityChoices: [3600], codeValidityDefault: 3600, inactivityTimeout: 3600 }),
    });
    expectProblem(off, 401, 'insufficient_user_authentication');
    expect(off.headers.get('www-authenticate')).toBe('Bearer error="insufficient_user_authentication", '
      + 'error_description="this action needs a login within the last 600 seconds", max_age="600"');
  });

  it('every answer is no-store: a success, the document, a refusal', async () => {
    const me = await send(`${base}/v1/me`, { headers: await bearer() });
    expect(me.status).toBe(200);
    expect(me.headers.get('cache-control')).toBe('no-store');
    const document = await send(`${base}/openapi.json`);
    expect(document.status).toBe(200);
    expect(document.headers.get('cache-control')).toBe('no-store');
    expect(document.json.openapi).toBe('3.1.0');
  });
});

describe('the router alone, on stubbed services', () => {
  const ISSUER = 'https://poort.example.org';
  const NOW = new Date();
  let server: Server;
  let url: string;
  let signer: JWK;
  let failure: Error | undefined;

  const manager: Account = {
    _id: 'manager-1', organisationId: 'org-a', email: 'm@example.org', role: 'manager', status: 'active', professionalIds: [], createdAt: NOW, updatedAt: NOW,
  };

  beforeAll(async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    signer = { ...(await exportJWK(privateKey)), kid: 'k1', alg: 'RS256' };
    const deps = {
      issuer: ISSUER, jwks: { keys: [signer] }, stepUpMaxAge: 600, now: () => new Date(), logger: createLogger('silent'),
      rateLimit: { points: 3, durationSeconds: 60 },
      accounts: {
        get: async (id: string) => {
          if (failure) throw failure;
          return id === manager._id ? manager : undefined;
        },
      },
      clients: { get: async () => ({ organisationId: 'org-a', clientCredentials: false }) },
      organisations: { get: async () => undefined },
      secondFactors: { enrolledMethods: async () => new Map() },
    } as unknown as AdminApiDeps;
    const app = new Koa();
    const router = createAdminApiRouter(deps);
    app.use(router.routes()).use(router.allowedMethods());
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${ADMIN_API.path}/v1`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  async function token(sub: string): Promise<string> {
    const now = epoch(new Date());
    return new SignJWT({ iss: ISSUER, aud: `${ISSUER}${ADMIN_API.path}`, sub, client_id: 'platform', scope: 'admin', jti: randomUUID(), iat: now, exp: now + 300, auth_time: now })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' }).sign(await importJWK(signer, 'RS256'));
  }

  it('a database outage is a 503 with Retry-After, never a 500', async () => {
    failure = Object.assign(new Error('connection refused'), { name: 'MongoNetworkError' });
    try {
      const answer = await send(`${url}/me`, { headers: { authorization: `Bearer ${await token('outage-1')}` } });
      expectProblem(answer, 503, 'temporarily_unavailable');
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(answer.json.detail).toBeUndefined();
    } finally {
      failure = undefined;
    }
  });

  it('a bug is a bare 500 problem: no detail, no stack', async () => {
    failure = new TypeError('cannot read properties of undefined (secret internals)');
    try {
      const answer = await send(`${url}/me`, { headers: { authorization: `Bearer ${await token('bug-1')}` } });
      expectProblem(answer, 500, 'server_error');
      expect(answer.text).not.toContain('secret internals');
      expect(answer.json.detail).toBeUndefined();
    } finally {
      failure = undefined;
    }
  });

  it('the rate limit counts per token holder: 429 with Retry-After beyond it, others unaffected', async () => {
    const headers = { authorization: `Bearer ${await token(manager._id)}` };
    for (let i = 0; i < 3; i += 1) expect((await send(`${url}/me`, { headers })).status).toBe(200);
    const limited = await send(`${url}/me`, { headers });
    expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another holder (another sub) has its own count.
    expect((await send(`${url}/me`, { headers: { authorization: `Bearer ${await token('someone-else')}` } })).status).toBe(401);
  });
});
