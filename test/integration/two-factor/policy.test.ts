/** The organisation's policy at login: required (set-up forced), off (never a code), optional (password only until set up). */
import { ACR } from '../../../config/oidc.ts';
import { createTenant, startPoort, type TestPoort } from '../../support/poort.ts';
import {
  authorizeAgain, callbackOf, codeMessage, enrolTotp, enrolTotpAtLogin, idTokenOf, isCodePage, passwordStep, postCode, setPolicy, totpNow,
} from '../../support/two-factor.ts';

let poort: TestPoort;

beforeAll(async () => {
  poort = await startPoort('two-factor-policy');
});
afterAll(async () => {
  await poort.close();
});

const MFA = { acr_values: ACR.multiFactor };

describe('required', () => {
  test('an account without a factor is sent to set-up after its password; cancelling gives the RP access_denied', async () => {
    const tenant = await createTenant(poort);
    await setPolicy(poort, tenant.organisationId, { twoFactor: 'required' });
    const login = await passwordStep(poort, tenant);
    expect(login.step.status).toBe(200);
    expect(login.step.location).toBeUndefined();
    expect(login.step.body).toContain('name="method"');
    expect(login.step.body).toContain('value="totp"');

    const aborted = await login.agent.follow(`${login.base}/abort`, poort.issuer, { form: { csrf: login.csrf } });
    const callback = callbackOf(aborted, tenant);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('code')).toBeNull();
  });

  test('no path past the set-up gives the RP a code: code and recovery forms, "done" and "verify" without a set-up, resuming', async () => {
    const tenant = await createTenant(poort);
    await setPolicy(poort, tenant.organisationId, { twoFactor: 'required' });
    const login = await passwordStep(poort, tenant);
    const { agent, base, csrf } = login;
    const answers = [
      await agent.follow(`${base}/second-factor`, poort.issuer, { form: { csrf, kind: 'code', code: '000000' } }),
      await agent.follow(`${base}/second-factor`, poort.issuer, { form: { csrf, kind: 'recovery', code: 'AAAAA-AAAAA' } }),
      await agent.follow(`${base}/enrol/done`, poort.issuer, { form: { csrf } }),
      await agent.follow(`${base}/enrol/verify`, poort.issuer, { form: { csrf, code: '000000' } }),
    ];
    for (const page of answers) {
      expect(page.location?.startsWith(tenant.redirectUri) ?? false).toBe(false);
      expect(page.status).toBeLessThan(500);
    }
    // A started but unfinished set-up counts for nothing: the app key alone is no factor.
    await agent.follow(`${base}/enrol/start`, poort.issuer, { form: { csrf, method: 'totp' } });
    expect(await poort.container.secondFactors.get(tenant.accountId)).toBeUndefined();
    const resumed = await agent.trace(`${poort.issuer}/auth/${login.uid}`, poort.issuer);
    expect(resumed.some((page) => page.location?.startsWith(tenant.redirectUri))).toBe(false);

    // The next login is sent to the set-up again.
    const next = await passwordStep(poort, tenant);
    expect(next.step.body).toContain('name="method"');
  });

  test('the set-up during login ends with an mfa login; the next login asks the password and then the code', async () => {
    const tenant = await createTenant(poort);
    await setPolicy(poort, tenant.organisationId, { twoFactor: 'required' });
    const login = await passwordStep(poort, tenant);
    const enrolled = await enrolTotpAtLogin(poort, login);
    expect(enrolled.recoveryCodes).toHaveLength(6);
    const claims = await idTokenOf(login, enrolled.callback);
    expect(claims.acr).toBe(ACR.multiFactor);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);

    const next = await passwordStep(poort, tenant);
    expect(isCodePage(next.step)).toBe(true);
    const done = await postCode(poort, next, totpNow(poort, enrolled.secret, 30));
    expect((await idTokenOf(next, callbackOf(done, tenant))).acr).toBe(ACR.multiFactor);
  });
});

describe('off', () => {
  test('no code is asked, even of an account that has a factor: a password login (acr pwd)', async () => {
    const tenant = await createTenant(poort);
    await enrolTotp(poort, tenant);
    await setPolicy(poort, tenant.organisationId, { twoFactor: 'off' });
    const login = await passwordStep(poort, tenant);
    const claims = await idTokenOf(login, callbackOf(login.step, tenant));
    expect(claims.acr).toBe(ACR.password);
    expect(claims.amr).toEqual(['pwd']);
  });

  test('a request for the mfa level gets unmet_authentication_requirements at the RP, at login and on a running session', async () => {
    const tenant = await createTenant(poort);
    await enrolTotp(poort, tenant);
    await setPolicy(poort, tenant.organisationId, { twoFactor: 'off' });
    const login = await passwordStep(poort, tenant, MFA);
    expect(isCodePage(login.step)).toBe(false);
    const refused = callbackOf(login.step, tenant);
    expect(refused.searchParams.get('error')).toBe('unmet_authentication_requirements');
    expect(refused.searchParams.get('code')).toBeNull();

    // A password session, then step-up asked: refused straight away, no prompt.
    const plain = await passwordStep(poort, tenant);
    callbackOf(plain.step, tenant);
    const stepUp = await authorizeAgain(poort, tenant, plain.agent, MFA);
    expect(callbackOf(stepUp.page, tenant).searchParams.get('error')).toBe('unmet_authentication_requirements');
  });
});

describe('optional', () => {
  test('an account without a factor logs in with the password only (acr pwd)', async () => {
    const tenant = await createTenant(poort);
    const login = await passwordStep(poort, tenant);
    const claims = await idTokenOf(login, callbackOf(login.step, tenant));
    expect(claims.acr).toBe(ACR.password);
    expect(claims.amr).toEqual(['pwd']);
  });

  test('an account with a factor is asked its code after the password', async () => {
    const tenant = await createTenant(poort);
    const { secret } = await enrolTotp(poort, tenant);
    const login = await passwordStep(poort, tenant);
    expect(isCodePage(login.step)).toBe(true);
    expect(codeMessage(login.step)).toBe('none');
    const done = await postCode(poort, login, totpNow(poort, secret));
    expect((await idTokenOf(login, callbackOf(done, tenant))).amr).toEqual(['pwd', 'otp', 'mfa']);
  });
});
