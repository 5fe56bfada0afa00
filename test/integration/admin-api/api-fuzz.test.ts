/**
 * Generated hostile requests against every route of the admin API (the form-based routes have theirs in
 * test/integration/security/fuzz.test.ts): any JSON value or none, prototype keys, wrong types, huge and deeply
 * nested values, bytes that are not UTF-8, wrong content types, odd path parameters and query strings, odd
 * Authorization headers. Whatever arrives, the answer is JSON below 500 without internals, and a refused request
 * leaves the database exactly as it was.
 *
 * Reproducible: FUZZ_SEED=<seed> replays the runs, FUZZ_RUNS sets the requests per route, FUZZ_VERBOSE=1 prints the
 * answers' statuses per route.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { importJWK, SignJWT, type JWK } from 'jose';
import { ACR, ADMIN_API } from '../../../config/oidc.ts';
import type { AnyRoute } from '../../../src/admin-api/route.ts';
import { ROUTES } from '../../../src/admin-api/routes.ts';
import { closeConnections, describeRequest, send, snapshot, changes, type RawRequest } from '../../support/fuzz.ts';
import { startPoort, type TestPoort } from '../../support/poort.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_102);
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const PASSWORD = 'Stevige kast 42 deur!';
const VERBOSE = process.env.FUZZ_VERBOSE === '1';
const TIMEOUT = 120_000;
const tallies = new Map<string, Map<number, number>>();

let poort: TestPoort;
let key: JWK;
let platform: string;
/** Managers whose tokens the requests carry, in turn (the rate limit counts per token holder). */
let managers: string[] = [];
let turn = 0;
/** Accounts the path parameters name: a client, a professional, an invited account, another organisation's. */
let ids: string[] = [];

beforeAll(async () => {
  poort = await startPoort('admin-api-fuzz');
  key = poort.container.config.jwks.keys.find((k) => k.kty === 'RSA') as JWK;
  const { organisations, clients, accounts } = poort.container;
  const organisationId = (await organisations.create({ name: 'Fuzz' }))._id;
  const other = (await organisations.create({ name: 'Elsewhere' }))._id;
  platform = (await clients.create({ organisationId, redirectUris: ['https://fuzz.example.org/cb'], firstParty: true })).clientId;
  const account = async (org: string, role: 'client' | 'professional' | 'manager', password: string | undefined = PASSWORD, professionalId?: string) =>
    (await accounts.create({ organisationId: org, email: `${role}.${randomUUID()}@example.org`, role, password, professionalId }))._id;
  for (let i = 0; i < 6; i += 1) managers.push(await account(organisationId, 'manager'));
  const professional = await account(organisationId, 'professional');
  ids = [await account(organisationId, 'client', PASSWORD, professional), professional, await account(organisationId, 'client', undefined), await account(other, 'client')];
}, TIMEOUT);

afterAll(async () => {
  if (VERBOSE) {
    const lines = [...tallies].map(([route, byStatus]) => `${route}: ${[...byStatus].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ')}`);
    process.stdout.write(`admin API fuzz seed ${SEED}\n${lines.join('\n')}\n`);
  }
  closeConnections();
  await poort?.close();
});

async function token(): Promise<string> {
  turn += 1;
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: poort.issuer, aud: `${poort.issuer}${ADMIN_API.path}`, sub: managers[turn % managers.length], client_id: platform, scope: 'admin',
    jti: randomUUID(), iat: now, exp: now + 300, acr: ACR.multiFactor, amr: ['pwd', 'otp', 'mfa'], auth_time: Math.floor(poort.container.now().getTime() / 1000),
  };
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: key.kid as string }).sign(await importJWK(key, 'RS256'));
}

// ── Generators ──────────────────────────────────────────────────────────────────────────────────────────────────

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
const oddText = fc.oneof(
  fc.string(), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', ' ', '\u0000', '\ud800', 'a'.repeat(5000), '<script>', '${x}', '../../etc', 'manager', 'disabled', 'off', 'totp', '3600'),
);
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  oddText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom(1e308, -0, 2 ** 53 + 1, 300, 3600),
  fc.array(oddText, { maxLength: 5 }), fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 15 }), fc.dictionary(oddText, oddText, { maxKeys: 3 }),
);

/** A body each route accepts, which the generator then alters one field of (or not). */
const VALID: Record<string, () => Record<string, unknown>> = {
  createAccount: () => ({ email: `fuzz.${randomUUID()}@example.org`, role: 'client', name: 'Fuzz', locale: 'nl' }),
  updateAccount: () => ({ name: 'Fuzz Name', locale: 'en' }),
  putPolicy: () => ({ twoFactor: 'optional', allowedMethods: ['totp', 'sms'], codeValidityChoices: [3600, 14400], codeValidityDefault: 3600, inactivityTimeout: 3600 }),
};

/** A JSON body: a valid one with one field altered, shaped like the route's (odd values), any JSON, prototype games. */
function bodies(route: AnyRoute): fc.Arbitrary<Buffer> {
  const keys = Object.keys((route.body as { shape?: Record<string, unknown> } | undefined)?.shape ?? {});
  const valid = VALID[route.operationId] ?? (() => ({}));
  const altered = fc.tuple(fc.constantFrom(...keys, ...PROTOTYPE_KEYS, 'extra'), fc.option(oddValue, { freq: 2, nil: undefined }), fc.boolean())
    .map(([field, value, alter]) => JSON.stringify(alter ? { ...valid(), [field]: value } : valid()));
  const shaped = fc.oneof(altered, fc.dictionary(fc.constantFrom(...keys, ...PROTOTYPE_KEYS, 'extra'), oddValue, { maxKeys: 6 }).map((body) => JSON.stringify(body)));
  const nested = fc.integer({ min: 1, max: 5000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));
  const json = fc.oneof(
    { weight: 5, arbitrary: shaped },
    { weight: 2, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"role":"manager"}}', '{"constructor":{"prototype":{"polluted":true}}}', '{"email":"a@example.org","email":"b@example.org","role":"client"}', '', 'null', '{', '{"a":1}}') },
    { weight: 1, arbitrary: nested },
  ).map((text) => Buffer.from(text, 'utf8'));
  const bytes = fc.uint8Array({ maxLength: 64 }).map((array) => Buffer.from(array));
  const latin1 = shaped.map((text) => Buffer.from(text.replace(/[a-z]/, 'é'), 'latin1'));
  return fc.oneof({ weight: 8, arbitrary: json }, { weight: 1, arbitrary: bytes }, { weight: 1, arbitrary: latin1 });
}

const contentTypes = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'application/merge-patch+json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '') },
);

const pathValue = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...[0, 1, 2, 3].map((i) => ({ index: i }))) },
  { weight: 2, arbitrary: oddText.map((text) => ({ text: encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '')) || 'x' })) },
  { weight: 1, arbitrary: fc.constantFrom({ text: '%00' }, { text: '..%2F..' }, { text: '%FF%FE' }, { text: 'a'.repeat(1000) }, { text: '%zz' }) },
);

const queries = (route: AnyRoute): fc.Arbitrary<string> => {
  const keys = Object.keys((route.query as { shape?: Record<string, unknown> } | undefined)?.shape ?? {});
  const odd = fc.array(fc.tuple(fc.constantFrom(...keys, ...PROTOTYPE_KEYS, 'x'), oddText), { minLength: 1, maxLength: 4 })
    .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, ''))}`).join('&'));
  return fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 1, arbitrary: odd });
};

const authorizations = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'valid' as const }) },
  { weight: 2, arbitrary: fc.constantFrom({ kind: 'none' as const }, { kind: 'text' as const, text: 'Bearer' }, { kind: 'text' as const, text: 'Basic YTpi' }, { kind: 'text' as const, text: 'Bearer a.b.c' }, { kind: 'text' as const, text: `Bearer ${'x'.repeat(4000)}` }) },
);

// ── The property ────────────────────────────────────────────────────────────────────────────────────────────────

it.each(ROUTES.map((route) => [`${route.method.toUpperCase()} ${route.path}`, route] as const))('%s: always a JSON answer below 500, and a refusal changes nothing', async (name, route) => {
  const withBody = route.body !== undefined;
  const request = fc.record({
    params: fc.array(pathValue, { minLength: 2, maxLength: 2 }),
    query: queries(route),
    body: withBody ? fc.option(bodies(route), { freq: 8, nil: undefined }) : fc.constant(undefined),
    type: contentTypes,
    auth: authorizations,
  });
  await fc.assert(fc.asyncProperty(request, async (generated) => {
    let n = 0;
    const path = route.path.replace(/\{\w+\}/g, () => {
      const value = generated.params[n++] ?? { index: 0 };
      return 'index' in value ? ids[value.index] ?? 'x' : value.text;
    });
    const headers: Record<string, string> = { accept: 'application/json' };
    if (generated.auth.kind === 'valid') headers.authorization = `Bearer ${await token()}`;
    if (generated.auth.kind === 'text') headers.authorization = generated.auth.text;
    if (generated.body !== undefined && generated.type) headers['content-type'] = generated.type;
    const raw: RawRequest = {
      method: route.method.toUpperCase(), url: `${poort.issuer}${ADMIN_API.path}${path}${generated.query ? `?${generated.query}` : ''}`, headers,
      ...(generated.body !== undefined ? { body: generated.body } : {}),
    };
    const before = await snapshot(poort.container.db);
    const response = await send(raw);
    const tally = tallies.get(name) ?? new Map<number, number>();
    tally.set(response.status, (tally.get(response.status) ?? 0) + 1);
    tallies.set(name, tally);
    const where = `seed ${SEED}\n${describeRequest(raw, response)}`;
    expect({ where, status: response.status < 500 }).toEqual({ where, status: true });
    expect({ where, type: /^application\/(problem\+)?json/.test(response.type) }).toEqual({ where, type: true });
    expect({ where, leak: /\n\s+at .*:\d+:\d+|Mongo\w*Error|ZodError|TypeError/.test(response.body) }).toEqual({ where, leak: false });
    if (response.status >= 400) {
      const after = await snapshot(poort.container.db);
      expect({ where, changed: after.hash === before.hash ? [] : changes(before, after) }).toEqual({ where, changed: [] });
    }
  }), { numRuns: RUNS, seed: SEED + ROUTES.indexOf(route), endOnFailure: true });
}, TIMEOUT);
