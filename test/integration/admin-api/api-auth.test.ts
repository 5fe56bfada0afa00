/**
 * The admin API's authentication on its own, with tokens minted here with jose (keys of this test, not Poort's):
 * the token verifier, the bearer header, the actor read fresh, and the step-up rule with its RFC 9470 challenge.
 */
import { describe, expect, it, beforeAll } from '@jest/globals';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { ADMIN_API, CLOCK_TOLERANCE } from '../../../config/oidc.ts';
import type { Account } from '../../../src/accounts/accounts.ts';
import {
  bearerToken, createTokenVerifier, publicKeys, resolveActor, stepUpProblem, type Actor, type ActorSources, type TokenVerifier,
} from '../../../src/admin-api/auth.ts';
import { ApiProblem } from '../../../src/admin-api/problems.ts';

const ISSUER = 'https://poort.example.org';
const AUDIENCE = `${ISSUER}${ADMIN_API.path}`;
const NOW = new Date('2026-11-02T09:30:00Z');
const epoch = (date: Date): number => Math.floor(date.getTime() / 1000);

let rsa: { private: JWK; public: JWK };
let ec: { private: JWK; public: JWK };
let verify: TokenVerifier;
let clock = NOW;

async function keyPair(alg: 'RS256' | 'ES256', kid: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { private: { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' }, public: { ...(await exportJWK(publicKey)), kid } };
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER, aud: AUDIENCE, sub: 'account-1', client_id: 'platform', scope: 'admin', jti: 'jti-1',
    iat: epoch(clock), exp: epoch(clock) + 300, acr: 'urn:poort:acr:mfa', amr: ['pwd', 'otp', 'mfa'], auth_time: epoch(clock) - 60, ...overrides,
  };
}

async function sign(payload: Record<string, unknown>, header: { alg?: string; typ?: string; kid?: string } = {}, key: JWK = rsa.private): Promise<string> {
  const alg = header.alg ?? (key.kty === 'EC' ? 'ES256' : 'RS256');
  return new SignJWT(payload).setProtectedHeader({ alg, typ: header.typ ?? 'at+jwt', kid: header.kid ?? key.kid }).sign(await importJWK(key, alg));
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

async function refusal(promise: Promise<unknown>): Promise<ApiProblem> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiProblem) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

beforeAll(async () => {
  rsa = await keyPair('RS256', 'rsa-1');
  ec = await keyPair('ES256', 'ec-1');
  verify = createTokenVerifier({ issuer: ISSUER, jwks: { keys: [rsa.private, ec.private] as unknown as Record<string, unknown>[] }, now: () => clock });
});

describe('the signing keys', () => {
  it('are used by their public parts only', () => {
    const { keys } = publicKeys({ keys: [rsa.private, ec.private, { kty: 'oct', k: 'c2VjcmV0' }] as unknown as Record<string, unknown>[] });
    expect(keys).toHaveLength(2);
    for (const key of keys) for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(member);
    expect(keys[0]).toMatchObject({ kty: 'RSA', kid: 'rsa-1', n: rsa.public.n, e: rsa.public.e });
    expect(keys[1]).toMatchObject({ kty: 'EC', kid: 'ec-1', crv: 'P-256', x: ec.public.x, y: ec.public.y });
  });
});

describe('the token verifier', () => {
  it('accepts an RS256 and an ES256 at+jwt of this issuer for the admin API, and reads its claims', async () => {
    await expect(verify(await sign(claims()))).resolves.toEqual({
      sub: 'account-1', clientId: 'platform', acr: 'urn:poort:acr:mfa', amr: ['pwd', 'otp', 'mfa'], authTime: epoch(NOW) - 60,
    });
    await expect(verify(await sign(claims(), {}, ec.private))).resolves.toMatchObject({ sub: 'account-1' });
    // A machine client's token: no login claims.
    await expect(verify(await sign(claims({ sub: 'platform', acr: undefined, amr: undefined, auth_time: undefined })))).resolves.toEqual({ sub: 'platform', clientId: 'platform' });
  });

  it.each([
    ['another audience', { aud: `${ISSUER}/api/other` }],
    ['another issuer', { iss: 'https://evil.example.org' }],
    ['no admin scope', { scope: 'openid' }],
    ['no scope', { scope: undefined }],
    ['no client_id', { client_id: undefined }],
    ['no jti', { jti: undefined }],
    ['no sub', { sub: undefined }],
    ['expired', { exp: epoch(NOW) - CLOCK_TOLERANCE - 1 }],
  ])('refuses %s', async (_what, overrides) => {
    const problem = await refusal(verify(await sign(claims(overrides))));
    expect(problem.code).toBe('invalid_token');
    expect(problem.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
  });

  it('allows the clock tolerance on the expiry, and judges it by Poort\'s clock', async () => {
    const token = await sign(claims({ exp: epoch(NOW) - CLOCK_TOLERANCE + 1 }));
    await expect(verify(token)).resolves.toMatchObject({ sub: 'account-1' });
    clock = new Date(NOW.getTime() + 60_000);
    try {
      expect((await refusal(verify(token))).code).toBe('invalid_token');
    } finally {
      clock = NOW;
    }
  });

  it('refuses a typ other than at+jwt, alg none, HS256 with the public key, and an unknown key', async () => {
    expect((await refusal(verify(await sign(claims(), { typ: 'JWT' })))).code).toBe('invalid_token');
    const none = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims())}.`;
    expect((await refusal(verify(none))).code).toBe('invalid_token');
    const hs = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: 'rsa-1' }).sign(new TextEncoder().encode(JSON.stringify(rsa.public)));
    expect((await refusal(verify(hs))).code).toBe('invalid_token');
    const stranger = await keyPair('RS256', 'rsa-1');
    expect((await refusal(verify(await sign(claims(), {}, stranger.private))))).toMatchObject({ code: 'invalid_token' });
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await sign(claims())).split('.');
    const forged = `${header}.${b64(claims({ sub: 'account-2' }))}.${signature}`;
    expect((await refusal(verify(forged))).code).toBe('invalid_token');
  });
});

describe('the bearer header', () => {
  it('is optional (no token), and a token when it is "Bearer <token>"', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc.def.ghi')).toBe('abc.def.ghi');
  });

  it.each(['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', 'Bearer ab"c'])('refuses %j as invalid_token', (header) => {
    expect(() => bearerToken(header)).toThrow(ApiProblem);
  });
});

describe('the actor, read fresh', () => {
  const account = (overrides: Partial<Account> = {}): Account => ({
    _id: 'account-1', organisationId: 'org-a', email: 'm@example.org', role: 'manager', status: 'active', professionalIds: [],
    createdAt: NOW, updatedAt: NOW, ...overrides,
  });
  const sources = (found: Account | undefined, client: { organisationId: string; clientCredentials: boolean } | undefined): ActorSources => ({
    accounts: { get: async () => found },
    clients: { get: async () => client },
  });
  const person = { sub: 'account-1', clientId: 'platform', acr: 'urn:poort:acr:mfa', authTime: epoch(NOW) };

  it('is the account\'s role and organisation for a person, the client\'s organisation for a machine client', async () => {
    await expect(resolveActor(person, sources(account(), { organisationId: 'org-a', clientCredentials: false }))).resolves
      .toMatchObject({ kind: 'person', id: 'account-1', role: 'manager', organisationId: 'org-a', clientId: 'platform' });
    await expect(resolveActor({ sub: 'machine-1', clientId: 'machine-1' }, sources(undefined, { organisationId: 'org-b', clientCredentials: true }))).resolves
      .toEqual({ kind: 'machine', id: 'client:machine-1', clientId: 'machine-1', organisationId: 'org-b' });
  });

  it.each([
    ['a disabled account', account({ status: 'disabled' }), { organisationId: 'org-a', clientCredentials: false }],
    ['an invited account', account({ status: 'invited' }), { organisationId: 'org-a', clientCredentials: false }],
    ['a deleted account', undefined, { organisationId: 'org-a', clientCredentials: false }],
    ['a deleted client', account(), undefined],
    ['a client of another organisation', account(), { organisationId: 'org-b', clientCredentials: false }],
  ])('is refused for %s', async (_what, found, client) => {
    expect((await refusal(resolveActor(person, sources(found, client)))).code).toBe('invalid_token');
  });

  it('is refused for a machine token of a deleted client or one without client credentials', async () => {
    const machine = { sub: 'machine-1', clientId: 'machine-1' };
    expect((await refusal(resolveActor(machine, sources(undefined, undefined)))).code).toBe('invalid_token');
    expect((await refusal(resolveActor(machine, sources(undefined, { organisationId: 'org-a', clientCredentials: false })))).code).toBe('invalid_token');
  });
});

describe('step-up', () => {
  const actor = (acr: string, authTime: number | undefined): Actor => ({
    kind: 'person', id: 'account-1', role: 'manager', organisationId: 'org-a', clientId: 'platform', account: {} as Account, acr,
    ...(authTime === undefined ? {} : { authTime }),
  });
  const facts = (twoFactor: 'off' | 'optional' | 'required') => ({ twoFactor, maxAge: 600, now: NOW });
  const MFA = 'urn:poort:acr:mfa';
  const PWD = 'urn:poort:acr:pwd';

  it('passes a login with the second factor within STEP_UP_MAX_AGE', () => {
    expect(stepUpProblem(actor(MFA, epoch(NOW) - 600), facts('required'))).toBeUndefined();
    expect(stepUpProblem(actor(MFA, epoch(NOW) - 10), facts('optional'))).toBeUndefined();
  });

  it('challenges a password-only or too old login with acr_values and max_age (RFC 9470)', () => {
    for (const who of [actor(PWD, epoch(NOW)), actor(MFA, epoch(NOW) - 601), actor(MFA, undefined)]) {
      const problem = stepUpProblem(who, facts('required'));
      expect(problem?.code).toBe('insufficient_user_authentication');
      expect(problem?.status).toBe(401);
      expect(problem?.headers['WWW-Authenticate']).toBe('Bearer error="insufficient_user_authentication", '
        + 'error_description="this action needs a login with a second factor within the last 600 seconds", acr_values="urn:poort:acr:mfa", max_age="600"');
    }
  });

  it('asks only a recent login where the organisation has 2FA off: max_age, no acr_values', () => {
    expect(stepUpProblem(actor(PWD, epoch(NOW) - 100), facts('off'))).toBeUndefined();
    const problem = stepUpProblem(actor(PWD, epoch(NOW) - 700), facts('off'));
    expect(problem?.headers['WWW-Authenticate']).toBe('Bearer error="insufficient_user_authentication", '
      + 'error_description="this action needs a login within the last 600 seconds", max_age="600"');
  });

  it('names the configured max_age, and refuses a machine client outright', () => {
    expect(stepUpProblem(actor(PWD, epoch(NOW)), { twoFactor: 'optional', maxAge: 120, now: NOW })?.headers['WWW-Authenticate']).toContain('max_age="120"');
    expect(stepUpProblem({ kind: 'machine', id: 'client:m', clientId: 'm', organisationId: 'org-a' }, facts('optional'))?.code).toBe('forbidden');
  });
});
