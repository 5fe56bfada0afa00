/**
 * Step-up (RFC 9470) round trips, as the platform does them: a sensitive call (a second-factor reset) with a token
 * whose login is too old or too weak answers 401 with the challenge; the platform sends the same browser to Poort
 * with the challenge's `acr_values` and `max_age`; Poort asks only what is missing (the code, or in an organisation
 * with 2FA off the password); the new token passes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hasPasswordField, isCodePage, postCode } from '../../support/two-factor.ts';
import { submitLogin } from '../../support/rp.ts';
import {
  MFA, PWD, STEP_UP_MAX_AGE, authorizeInSession, createOrg, createPerson, enrol, finishLogin, logIn, nextCode, parseChallenge, poortNow, problemOf,
  startAdminPoort, type AdminWorld, type ApiResponse, type Challenge, type Org, type Person,
} from '../../support/admin-api.ts';
import type { OpenLogin } from '../../support/security.ts';
import type { Page } from '../../support/browser.ts';

const reset = (world: AdminWorld, token: string, target: Person): Promise<ApiResponse> =>
  world.api.call('POST', `/accounts/${target.id}/two-factor/reset`, { token });

/** The authorization parameters the platform takes from a challenge: its acr_values and max_age, as given. */
function stepUpParams(challenge: Challenge | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  if (challenge?.params.acr_values !== undefined) params.acr_values = challenge.params.acr_values;
  if (challenge?.params.max_age !== undefined) params.max_age = challenge.params.max_age;
  return params;
}

const CHALLENGE_MFA = {
  scheme: 'Bearer',
  params: { error: 'insufficient_user_authentication', error_description: expect.any(String), acr_values: MFA, max_age: String(STEP_UP_MAX_AGE) },
};

describe('2FA required: an mfa login older than STEP_UP_MAX_AGE', () => {
  let world: AdminWorld;
  let org: Org;
  let manager: Person;
  let client: Person;
  let firstAuthTime = 0;
  let refused: ApiResponse;
  let stepUp: { login: OpenLogin; page: Page };
  let token = '';

  beforeAll(async () => {
    world = await startAdminPoort('admin-api-stepup');
    org = await createOrg(world, { twoFactor: 'required' });
    manager = await createPerson(world, org, 'Manager', 'manager');
    client = await createPerson(world, org, 'Client', 'client');
    const login = await logIn(world, manager);
    firstAuthTime = login.tokens.claims.auth_time ?? 0;
    world.clock.advance(STEP_UP_MAX_AGE + 10);
    refused = await reset(world, login.tokens.access, client);
  }, 60_000);

  afterAll(async () => {
    await world?.poort.close();
  });

  it('the first token has acr mfa (the login had the code)', () => {
    expect(manager.token?.claims.acr).toBe(MFA);
  });

  it('the reset with that token, its login 610 s old by Poort\'s clock → 401', () => {
    expect(refused.status).toBe(401);
  });

  it('WWW-Authenticate is the RFC 9470 challenge: insufficient_user_authentication, a description, acr_values mfa, max_age 600', () => {
    expect(parseChallenge(refused.headers.get('www-authenticate'))).toEqual(CHALLENGE_MFA);
  });

  it('the body is the problem insufficient_user_authentication', () => {
    expect(problemOf(refused).code).toBe('insufficient_user_authentication');
  });

  it('the platform sends the same browser back with the challenge\'s acr_values and max_age: Poort shows the code-only page', async () => {
    stepUp = await authorizeInSession(world, manager, stepUpParams(parseChallenge(refused.headers.get('www-authenticate'))));
    expect({ codePage: isCodePage(stepUp.page), passwordField: hasPasswordField(stepUp.page) }).toEqual({ codePage: true, passwordField: false });
  });

  it('after the code, the new token has acr mfa', async () => {
    const done = await postCode(world.poort, stepUp.login, nextCode(world, manager));
    const outcome = await finishLogin(manager, stepUp.login, done);
    token = outcome.tokens.access;
    expect(outcome.tokens.claims.acr).toBe(MFA);
  });

  it('the new token\'s auth_time is the step-up\'s (Poort\'s clock now), later than the old login by more than max_age', () => {
    const authTime = manager.token?.claims.auth_time ?? 0;
    expect({ recent: poortNow(world) - authTime <= 5, later: authTime - firstAuthTime > STEP_UP_MAX_AGE }).toEqual({ recent: true, later: true });
  });

  it('the reset with the new token → 200', async () => {
    expect((await reset(world, token, client)).status).toBe(200);
  });
});

describe('2FA optional: a password-only session whose account has a factor gets the acr challenge', () => {
  let world: AdminWorld;
  let org: Org;
  let manager: Person;
  let client: Person;
  let refused: ApiResponse;
  let stepUp: { login: OpenLogin; page: Page };
  let token = '';

  beforeAll(async () => {
    world = await startAdminPoort('admin-api-stepup-pwd');
    org = await createOrg(world, { twoFactor: 'optional' });
    manager = await createPerson(world, org, 'Manager', 'manager', { totp: false });
    client = await createPerson(world, org, 'Client', 'client');
    // Logged in with the password alone, then the app set up: the session and its token stay at pwd.
    await logIn(world, manager);
    await enrol(world, manager);
    refused = await reset(world, manager.token?.access ?? '', client);
  }, 60_000);

  afterAll(async () => {
    await world?.poort.close();
  });

  it('the token has acr pwd and a recent auth_time', () => {
    const claims = manager.token?.claims;
    expect({ acr: claims?.acr, recent: poortNow(world) - (claims?.auth_time ?? 0) < 60 }).toEqual({ acr: PWD, recent: true });
  });

  it('the reset → 401 with the challenge: acr_values mfa, max_age 600', () => {
    expect({ status: refused.status, challenge: parseChallenge(refused.headers.get('www-authenticate')) }).toEqual({ status: 401, challenge: CHALLENGE_MFA });
  });

  it('the platform re-authorizes with the challenge: the code-only page', async () => {
    stepUp = await authorizeInSession(world, manager, stepUpParams(parseChallenge(refused.headers.get('www-authenticate'))));
    expect({ codePage: isCodePage(stepUp.page), passwordField: hasPasswordField(stepUp.page) }).toEqual({ codePage: true, passwordField: false });
  });

  it('after the code the token has acr mfa', async () => {
    const done = await postCode(world.poort, stepUp.login, nextCode(world, manager));
    token = (await finishLogin(manager, stepUp.login, done)).tokens.access;
    expect(manager.token?.claims.acr).toBe(MFA);
  });

  it('the reset with it → 200', async () => {
    expect((await reset(world, token, client)).status).toBe(200);
  });
});

describe('2FA off: the challenge asks a recent login only', () => {
  let world: AdminWorld;
  let org: Org;
  let manager: Person;
  let client: Person;
  let refused: ApiResponse;
  let again: { login: OpenLogin; page: Page };
  let token = '';

  beforeAll(async () => {
    world = await startAdminPoort('admin-api-stepup-off');
    org = await createOrg(world, { twoFactor: 'off' });
    manager = await createPerson(world, org, 'Manager', 'manager', { totp: false });
    client = await createPerson(world, org, 'Client', 'client', { totp: false });
    await logIn(world, manager);
  }, 60_000);

  afterAll(async () => {
    await world?.poort.close();
  });

  it('a recent password login passes: the reset → 200', async () => {
    expect((await reset(world, manager.token?.access ?? '', client)).status).toBe(200);
  });

  it('once that login is older than STEP_UP_MAX_AGE: 401 with a challenge of max_age only (no acr_values)', async () => {
    world.clock.advance(STEP_UP_MAX_AGE + 10);
    refused = await reset(world, manager.token?.access ?? '', client);
    expect({ status: refused.status, challenge: parseChallenge(refused.headers.get('www-authenticate')) }).toEqual({
      status: 401,
      challenge: { scheme: 'Bearer', params: { error: 'insufficient_user_authentication', error_description: expect.any(String), max_age: String(STEP_UP_MAX_AGE) } },
    });
  });

  it('the platform re-authorizes with max_age: Poort asks the password again', async () => {
    again = await authorizeInSession(world, manager, stepUpParams(parseChallenge(refused.headers.get('www-authenticate'))));
    expect(hasPasswordField(again.page)).toBe(true);
  });

  it('after the password the token is a fresh pwd login', async () => {
    const done = await submitLogin(again.login.agent, world.poort.issuer, again.page, manager.email, manager.password);
    token = (await finishLogin(manager, again.login, done)).tokens.access;
    const claims = manager.token?.claims;
    expect({ acr: claims?.acr, recent: poortNow(world) - (claims?.auth_time ?? 0) <= 5 }).toEqual({ acr: PWD, recent: true });
  });

  it('the reset with it → 200', async () => {
    expect((await reset(world, token, client)).status).toBe(200);
  });
});
