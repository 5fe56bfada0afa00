/**
 * Tokens the admin API must refuse: each is answered 401 with `WWW-Authenticate: Bearer error="invalid_token"` (a
 * request without any token: a bare `Bearer` challenge, RFC 6750 §3.1), never a 500 and never the data. The
 * controls first: a real token from the login, a machine client's token and a token made by hand the same way as
 * the attacks below but without the flaw are accepted, so each refusal is about its one flaw.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CompactSign, generateKeyPair } from 'jose';
import { Agent } from '../../support/browser.ts';
import { authorizationRequest, exchange, login as browserLogin } from '../../support/rp.ts';
import {
  accessToken, createOrg, createPerson, decodeJwt, hmacWithPublicKey, logIn, machineToken, parseChallenge, platformConfig, signWithPoortKey,
  startAdminPoort, tokenClaims, unsignedToken, withPayload, type AdminWorld, type ApiResponse, type Org, type Person,
} from '../../support/admin-api.ts';

let world: AdminWorld;
let org: Org;
let manager: Person;
let other: Person;
/** A manager who is disabled while their token is still valid. */
let leaving: Person;
/** A manager without a second factor: a password login returns straight to the platform. */
let plain: Person;

beforeAll(async () => {
  world = await startAdminPoort('admin-api-tokens');
  org = await createOrg(world, { twoFactor: 'optional' });
  manager = await createPerson(world, org, 'Manager', 'manager');
  other = await createPerson(world, org, 'Other manager', 'manager');
  leaving = await createPerson(world, org, 'Leaving manager', 'manager');
  plain = await createPerson(world, org, 'Plain manager', 'manager', { totp: false });
  for (const person of [manager, other, leaving]) await logIn(world, person);
}, 60_000);

afterAll(async () => {
  await world?.poort.close();
});

const me = (token: string | null, headers: Record<string, string> = {}): Promise<ApiResponse> => world.api.call('GET', '/me', { token, headers });

/** Status and the challenge's error attribute, as one outcome. */
function refusal(response: ApiResponse): { status: number; scheme?: string; error?: string } {
  const challenge = parseChallenge(response.headers.get('www-authenticate'));
  return { status: response.status, ...(challenge ? { scheme: challenge.scheme } : {}), ...(challenge?.params.error ? { error: challenge.params.error } : {}) };
}

const INVALID = { status: 401, scheme: 'Bearer', error: 'invalid_token' };

describe('accepted', () => {
  it('the manager\'s token from the login (password and code) → 200', async () => {
    expect((await me(await accessToken(world, manager))).status).toBe(200);
  });

  it('a token from the refresh token grant (openid-client refreshTokenGrant) → 200', async () => {
    const first = await accessToken(world, other);
    // As if its five minutes were over: the helper refreshes.
    if (other.token) other.token.claims.exp = 0;
    const refreshed = await accessToken(world, other);
    expect({ fresh: refreshed !== first, status: (await me(refreshed)).status }).toEqual({ fresh: true, status: 200 });
  });

  it('the machine client\'s token (client credentials) → 200', async () => {
    expect((await me(await machineToken(world, org.machine))).status).toBe(200);
  });

  it('a token made by hand like the attacks below, signed with Poort\'s key, audience the admin API → 200', async () => {
    expect((await me(await signWithPoortKey(world, tokenClaims(world, manager)))).status).toBe(200);
  });
});

describe('refused with invalid_token', () => {
  it('the access token of a normal login (for userinfo, no resource) → 401 invalid_token', async () => {
    const config = await platformConfig(world, org);
    const request = await authorizationRequest(config, org.platform.redirectUri, { scope: 'openid email' });
    const callback = await browserLogin(new Agent(), world.poort.issuer, request, plain.email, plain.password);
    const tokens = await exchange(config, callback, request);
    expect(refusal(await me(tokens.access_token))).toEqual(INVALID);
  });

  it('a JWT signed with Poort\'s key for another audience → 401 invalid_token', async () => {
    const token = await signWithPoortKey(world, tokenClaims(world, manager, { aud: 'https://elsewhere.example.org/api' }));
    expect(refusal(await me(token))).toEqual(INVALID);
  });

  it('a JWT signed with Poort\'s key for Poort\'s userinfo (audience the client) → 401 invalid_token', async () => {
    const token = await signWithPoortKey(world, tokenClaims(world, manager, { aud: org.platform.clientId }));
    expect(refusal(await me(token))).toEqual(INVALID);
  });

  it('a JWT signed with Poort\'s key whose scope lacks admin → 401 invalid_token', async () => {
    const token = await signWithPoortKey(world, tokenClaims(world, manager, { scope: 'openid profile' }));
    expect(refusal(await me(token))).toEqual(INVALID);
  });

  it('a JWT signed with Poort\'s key by another issuer\'s name → 401 invalid_token', async () => {
    const token = await signWithPoortKey(world, tokenClaims(world, manager, { iss: 'https://poort.example.org' }));
    expect(refusal(await me(token))).toEqual(INVALID);
  });

  it('a JWT signed with Poort\'s key that expired two minutes ago (by every clock) → 401 invalid_token', async () => {
    const past = Math.floor(Math.min(Date.now(), world.poort.container.now().getTime()) / 1000) - 120;
    const token = await signWithPoortKey(world, tokenClaims(world, manager, { iat: past - 300, exp: past }));
    expect(refusal(await me(token))).toEqual(INVALID);
  });

  it('a real token with its payload changed (another manager as sub), signature kept → 401 invalid_token', async () => {
    const token = withPayload(await accessToken(world, manager), (claims) => ({ ...claims, sub: other.id }));
    expect(refusal(await me(token))).toEqual(INVALID);
  });

  it('a real token with its payload changed (a later exp), signature kept → 401 invalid_token', async () => {
    const token = withPayload(await accessToken(world, manager), (claims) => ({ ...claims, exp: Number(claims.exp) + 3600 }));
    expect(refusal(await me(token))).toEqual(INVALID);
  });

  it('alg none (unsigned), otherwise a valid token → 401 invalid_token', async () => {
    expect(refusal(await me(unsignedToken(tokenClaims(world, manager))))).toEqual(INVALID);
  });

  it('HS256 with Poort\'s RSA public key as the HMAC secret → 401 invalid_token', async () => {
    expect(refusal(await me(hmacWithPublicKey(world, tokenClaims(world, manager))))).toEqual(INVALID);
  });

  it('an ID token as bearer (typ JWT, audience the client) → 401 invalid_token', async () => {
    const outcome = await logIn(world, other);
    expect(refusal(await me(outcome.idTokenRaw))).toEqual(INVALID);
  });

  it('a token signed with Poort\'s key with typ JWT instead of at+jwt, all else valid → 401 invalid_token', async () => {
    const token = await signWithPoortKey(world, tokenClaims(world, manager), { typ: 'JWT' });
    expect(refusal(await me(token))).toEqual(INVALID);
  });

  it('a token signed by another RSA key under Poort\'s kid → 401 invalid_token', async () => {
    const token = await signWithOtherKey(tokenClaims(world, manager));
    expect(refusal(await me(token))).toEqual(INVALID);
  });

  it('a token that is not a JWT at all → 401 invalid_token', async () => {
    expect(refusal(await me('not-a-token'))).toEqual(INVALID);
  });

  it('the still-valid token of a manager who has been disabled → 401 invalid_token', async () => {
    const token = await accessToken(world, leaving);
    await world.poort.container.accountAdmin.disable(leaving.id);
    expect(refusal(await me(token))).toEqual(INVALID);
  });
});

describe('without a token', () => {
  it('no Authorization header → 401 with a bare Bearer challenge (no error attribute)', async () => {
    const response = await me(null);
    expect({ status: response.status, challenge: parseChallenge(response.headers.get('www-authenticate')) }).toEqual({ status: 401, challenge: { scheme: 'Bearer', params: {} } });
  });

  it('the token in the query string instead (access_token=…) is no token → 401 with a bare Bearer challenge', async () => {
    const token = await accessToken(world, manager);
    const response = await world.api.call('GET', '/me', { token: null, query: { access_token: token } });
    expect({ status: response.status, challenge: parseChallenge(response.headers.get('www-authenticate')) }).toEqual({ status: 401, challenge: { scheme: 'Bearer', params: {} } });
  });
});

describe('expiry by Poort\'s clock', () => {
  it('a real token once Poort\'s clock has passed its exp → 401 invalid_token', async () => {
    const token = await accessToken(world, manager);
    const { exp } = decodeJwt(token) as { exp: number };
    // Poort's clock runs CLOCK_LAG behind the wall clock: move it a minute past the token's exp.
    world.clock.advance(exp - Math.floor(world.poort.container.now().getTime() / 1000) + 60);
    expect(refusal(await me(token))).toEqual(INVALID);
  });
});

// ---------------------------------------------------------------------------------------------------------------

/** Signs with a fresh RSA key of its own, naming the kid of Poort's key. */
async function signWithOtherKey(claims: Record<string, unknown>): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  const kid = (world.poort.container.config.jwks.keys.find((k) => k.kty === 'RSA') as { kid?: string }).kid;
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims))).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid }).sign(privateKey);
}
