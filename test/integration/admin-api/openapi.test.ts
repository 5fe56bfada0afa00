/**
 * The admin API against its own OpenAPI document. The document Poort serves is valid OpenAPI 3.1; every answer the
 * admin API tests receive goes through the validated fetch of test/support/admin-api.ts (status, media type and body
 * checked against the served document), and the checker itself refuses what the document does not allow. Bad input
 * is a 400 naming the field, a duplicate a 409, another media type a 415, a body over 64 kB a 413, an unknown path a
 * 404 problem and a wrong method a 405 — all problems (RFC 9457) as documented.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import {
  ContractChecker, ContractError, accessToken, createOrg, createPerson, logIn, mfaToken, problemOf, startAdminPoort, type AdminWorld, type ApiResponse,
  type Org, type Person,
} from '../../support/admin-api.ts';

let world: AdminWorld;
let org: Org;
let manager: Person;
let document: Record<string, unknown>;

beforeAll(async () => {
  world = await startAdminPoort('admin-api-openapi');
  org = await createOrg(world, { twoFactor: 'optional' });
  manager = await createPerson(world, org, 'Manager', 'manager');
  await logIn(world, manager);
  document = await world.api.served();
}, 60_000);

afterAll(async () => {
  await world?.poort.close();
});

const V1 = '/api/admin/v1';

describe('the served document', () => {
  it('is valid OpenAPI 3.1 (checked against the 3.1 schema)', async () => {
    const result = await new Validator().validate(structuredClone(document));
    expect({ version: String(document.openapi).slice(0, 4), valid: result.valid, errors: result.errors }).toEqual({ version: '3.1.', valid: true, errors: undefined });
  });

  it('documents exactly the endpoints of the admin API', () => {
    const operations = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .filter(([path]) => path.startsWith(`${V1}/`))
      .flatMap(([path, item]) => Object.keys(item).filter((method) => ['get', 'put', 'post', 'patch', 'delete'].includes(method)).map((method) => `${method.toUpperCase()} ${path.slice(V1.length)}`))
      .sort();
    expect(operations).toEqual([
      'DELETE /accounts/{clientId}/professionals/{professionalId}',
      'GET /accounts',
      'GET /accounts/{id}',
      'GET /accounts/{id}/clients',
      'GET /audit-events',
      'GET /me',
      'GET /organisation/policy',
      'PATCH /accounts/{id}',
      'POST /accounts',
      'POST /accounts/{id}/sessions/revoke',
      'POST /accounts/{id}/two-factor/reset',
      'POST /accounts/{id}/welcome',
      'PUT /accounts/{clientId}/professionals/{professionalId}',
      'PUT /organisation/policy',
    ]);
  });

  it('names the bearer token scheme (JWT) on every operation of the API', () => {
    const unsecured = Object.entries(document.paths as Record<string, Record<string, { security?: unknown[] }>>)
      .filter(([path]) => path.startsWith(`${V1}/`))
      .flatMap(([path, item]) => Object.entries(item).filter(([, op]) => !Array.isArray(op.security) || op.security.length === 0).map(([method]) => `${method} ${path}`));
    expect(unsecured).toEqual([]);
  });
});

describe('the contract checker every test\'s calls go through', () => {
  const json = (body: unknown, status: number, type = 'application/json'): ApiResponse => ({
    status, headers: new Headers({ 'content-type': type }), text: JSON.stringify(body), json: body,
  });
  let checker: ContractChecker;
  beforeAll(async () => {
    checker = await world.api.checker();
  });

  it('passes a body the document allows', () => {
    expect(() => checker.check('GET', `${V1}/me`, json({ kind: 'machine', clientId: 'c', organisationId: 'o' }, 200))).not.toThrow();
  });

  it('refuses a body the document does not allow (a person without their account id)', () => {
    expect(() => checker.check('GET', `${V1}/me`, json({ kind: 'person', role: 'manager' }, 200))).toThrow(ContractError);
  });

  it('refuses a status the operation does not document', () => {
    expect(() => checker.check('GET', `${V1}/me`, json({ kind: 'machine', clientId: 'c', organisationId: 'o' }, 202))).toThrow(ContractError);
  });

  it('refuses a problem body answered as application/json instead of application/problem+json', () => {
    const body = { type: 'urn:poort:problem:forbidden', title: 'Not allowed', status: 403, code: 'forbidden' };
    expect(() => checker.check('GET', `${V1}/me`, json(body, 403))).toThrow(ContractError);
  });

  it('refuses a problem body without its code', () => {
    expect(() => checker.check('GET', `${V1}/me`, json({ type: 'about:blank', title: 'Not allowed', status: 403 }, 403, 'application/problem+json'))).toThrow(ContractError);
  });

  it('refuses an HTML answer for a path the document does not know', () => {
    const page: ApiResponse = { status: 404, headers: new Headers({ 'content-type': 'text/html' }), text: '<p>Not found</p>' };
    expect(() => checker.check('GET', `${V1}/nothing-here`, page)).toThrow(ContractError);
  });
});

describe('bad requests are problems naming what is wrong', () => {
  let created = 0;
  const newEmail = (): string => {
    created += 1;
    return `new.person.${created}@example.org`;
  };
  const post = async (body: unknown, extra: { raw?: string; contentType?: string } = {}): Promise<ApiResponse> =>
    world.api.call('POST', '/accounts', { token: await accessToken(world, manager), ...(extra.raw !== undefined ? { raw: extra.raw, contentType: extra.contentType ?? 'application/json' } : { body }) });
  const outcome = (response: ApiResponse): Record<string, unknown> => ({ status: response.status, code: problemOf(response).code, fields: problemOf(response).errors?.map((e) => e.field) });

  it('POST /accounts with a valid body → 201 (the control)', async () => {
    expect((await post({ email: newEmail(), role: 'client' })).status).toBe(201);
  });

  it('POST /accounts with a malformed e-mail address → 400 invalid_request naming email', async () => {
    expect(outcome(await post({ email: 'not-an-address', role: 'client' }))).toEqual({ status: 400, code: 'invalid_request', fields: ['email'] });
  });

  it('POST /accounts with an unknown role → 400 naming role', async () => {
    expect(outcome(await post({ email: newEmail(), role: 'administrator' }))).toEqual({ status: 400, code: 'invalid_request', fields: ['role'] });
  });

  it('POST /accounts without the role → 400 naming role', async () => {
    expect(outcome(await post({ email: newEmail() }))).toEqual({ status: 400, code: 'invalid_request', fields: ['role'] });
  });

  it('POST /accounts with a field the API does not know → 400 naming it', async () => {
    expect(outcome(await post({ email: newEmail(), role: 'client', status: 'active' }))).toEqual({ status: 400, code: 'invalid_request', fields: ['status'] });
  });

  it('POST /accounts with a professionalId that is no professional of the organisation → 400 naming professionalId', async () => {
    expect(outcome(await post({ email: newEmail(), role: 'client', professionalId: manager.id }))).toEqual({ status: 400, code: 'invalid_request', fields: ['professionalId'] });
  });

  it('POST /accounts whose body is not JSON → 400 invalid_json', async () => {
    expect(outcome(await post(undefined, { raw: '{"email": "a@example.org", ' }))).toEqual({ status: 400, code: 'invalid_json', fields: undefined });
  });

  it('POST /accounts with an e-mail address the organisation has already → 409 email_taken', async () => {
    const email = newEmail();
    await post({ email, role: 'client' });
    expect(outcome(await post({ email, role: 'professional' }))).toEqual({ status: 409, code: 'email_taken', fields: undefined });
  });

  it('POST /accounts with that address in other letters case → 409 email_taken', async () => {
    const email = newEmail();
    await post({ email, role: 'client' });
    expect(outcome(await post({ email: email.toUpperCase(), role: 'client' }))).toEqual({ status: 409, code: 'email_taken', fields: undefined });
  });

  it('POST /accounts with a form body (application/x-www-form-urlencoded) → 415', async () => {
    expect(outcome(await post(undefined, { raw: 'email=a%40example.org&role=client', contentType: 'application/x-www-form-urlencoded' }))).toEqual({ status: 415, code: 'unsupported_media_type', fields: undefined });
  });

  it('POST /accounts with text/plain → 415', async () => {
    expect(outcome(await post(undefined, { raw: JSON.stringify({ email: newEmail(), role: 'client' }), contentType: 'text/plain' }))).toEqual({ status: 415, code: 'unsupported_media_type', fields: undefined });
  });

  it('POST /accounts with a JSON body over 64 kB → 413', async () => {
    const raw = JSON.stringify({ email: newEmail(), role: 'client', name: 'x'.repeat(65 * 1024) });
    expect(outcome(await post(undefined, { raw }))).toEqual({ status: 413, code: 'body_too_large', fields: undefined });
  });

  it('GET /accounts?limit=0 → 400 naming limit', async () => {
    const response = await world.api.call('GET', '/accounts', { token: await accessToken(world, manager), query: { limit: 0 } });
    expect(outcome(response)).toEqual({ status: 400, code: 'invalid_request', fields: ['limit'] });
  });

  it('GET /accounts with a query parameter the API does not know → 400 naming it', async () => {
    const response = await world.api.call('GET', '/accounts', { token: await accessToken(world, manager), query: { sort: 'email' } });
    expect(outcome(response)).toEqual({ status: 400, code: 'invalid_request', fields: ['sort'] });
  });

  it('GET /audit-events with a cursor no list gave → 400 naming cursor', async () => {
    const response = await world.api.call('GET', '/audit-events', { token: await accessToken(world, manager), query: { cursor: 'bm90IGEgY3Vyc29y' } });
    expect(outcome(response)).toEqual({ status: 400, code: 'invalid_request', fields: ['cursor'] });
  });

  it('PATCH /accounts/{id} with an empty body → 400', async () => {
    const response = await world.api.call('PATCH', `/accounts/${manager.id}`, { token: await accessToken(world, manager), body: {} });
    expect({ status: response.status, code: problemOf(response).code }).toEqual({ status: 400, code: 'invalid_request' });
  });

  it('PUT /organisation/policy with an unknown 2FA policy → 400 naming twoFactor', async () => {
    const response = await world.api.call('PUT', '/organisation/policy', {
      token: await mfaToken(world, manager),
      body: { twoFactor: 'sometimes', allowedMethods: ['totp'], codeValidityChoices: [3600], codeValidityDefault: 3600, inactivityTimeout: 3600 },
    });
    expect(outcome(response)).toEqual({ status: 400, code: 'invalid_request', fields: ['twoFactor'] });
  });

  it('PUT /organisation/policy whose default code validity is not one of the choices → 400 naming codeValidityDefault', async () => {
    const response = await world.api.call('PUT', '/organisation/policy', {
      token: await mfaToken(world, manager),
      body: { twoFactor: 'optional', allowedMethods: ['totp'], codeValidityChoices: [3600, 7200], codeValidityDefault: 1800, inactivityTimeout: 3600 },
    });
    expect(outcome(response)).toEqual({ status: 400, code: 'invalid_request', fields: ['codeValidityDefault'] });
  });
});

describe('paths and methods the API does not have', () => {
  it('an unknown path under /api/admin/v1 → 404 problem not_found', async () => {
    const response = await world.api.call('GET', '/nothing-here', { token: await accessToken(world, manager) });
    expect({ status: response.status, type: response.headers.get('content-type'), code: problemOf(response).code }).toEqual({ status: 404, type: expect.stringMatching(/^application\/problem\+json\b/), code: 'not_found' });
  });

  it('an unknown path without a token → 404 too', async () => {
    const response = await world.api.call('GET', '/accounts/x/y/z', { token: null });
    expect({ status: response.status, code: problemOf(response).code }).toEqual({ status: 404, code: 'not_found' });
  });

  /** The methods of the document an Allow header names (HEAD and OPTIONS aside). */
  const allowed = (response: ApiResponse): string[] =>
    (response.headers.get('allow') ?? '').split(/\s*,\s*/).filter((method) => ['GET', 'PUT', 'POST', 'PATCH', 'DELETE'].includes(method)).sort();

  it('DELETE /me → 405 method_not_allowed, Allow: GET', async () => {
    const response = await world.api.call('DELETE', '/me', { token: await accessToken(world, manager) });
    expect({ status: response.status, code: problemOf(response).code, allow: allowed(response) }).toEqual({ status: 405, code: 'method_not_allowed', allow: ['GET'] });
  });

  it('POST /organisation/policy → 405, Allow: GET and PUT', async () => {
    const response = await world.api.call('POST', '/organisation/policy', { token: await accessToken(world, manager), body: {} });
    expect({ status: response.status, code: problemOf(response).code, allow: allowed(response) }).toEqual({ status: 405, code: 'method_not_allowed', allow: ['GET', 'PUT'] });
  });

  it('PATCH /accounts/{id}/welcome → 405, Allow: POST', async () => {
    const response = await world.api.call('PATCH', `/accounts/${manager.id}/welcome`, { token: await accessToken(world, manager), body: {} });
    expect({ status: response.status, code: problemOf(response).code, allow: allowed(response) }).toEqual({ status: 405, code: 'method_not_allowed', allow: ['POST'] });
  });

  it('every answer of the API is Cache-Control: no-store', async () => {
    const token = await accessToken(world, manager);
    const answers = await Promise.all([
      world.api.call('GET', '/me', { token }),
      world.api.call('GET', '/accounts', { token }),
      world.api.call('GET', '/me', { token: null }),
      world.api.call('GET', '/nothing-here', { token }),
    ]);
    expect(answers.map((r) => r.headers.get('cache-control'))).toEqual(['no-store', 'no-store', 'no-store', 'no-store']);
  });
});
