/**
 * The session timers of DESIGN §4 with an injected clock: code validity and inactivity (code only), absolute
 * session age (full login). Poort's clock moves; oidc-provider's token times stay on the wall clock.
 */
import { ACR } from '../../../config/oidc.ts';
import { Agent, type Page } from '../../support/browser.ts';
import { createClock, type TestClock } from '../../support/clock.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { submitLogin } from '../../support/rp.ts';
import {
  authorizeAgain, callbackOf, enrolTotp, hasPasswordField, idTokenOf, isCodePage, loginWithCode, postCode, setPolicy, totpNow,
} from '../../support/two-factor.ts';

const HOUR = 3600;

/** A person with the authenticator app, logged in with password and code on `agent`. */
async function loggedIn(poort: TestPoort, setup: (tenant: Tenant) => Promise<void> = async () => undefined) {
  const tenant = await createTenant(poort);
  await setup(tenant);
  const { secret } = await enrolTotp(poort, tenant);
  const agent = new Agent();
  const { claims } = await loginWithCode(poort, tenant, () => totpNow(poort, secret), { agent });
  expect(claims.acr).toBe(ACR.multiFactor);
  return { tenant, secret, agent };
}

/** A new authorization on the same browser: answers the page shown (or the redirect out) and its login handle. */
const again = (poort: TestPoort, tenant: Tenant, agent: Agent) => authorizeAgain(poort, tenant, agent);

/** Asserts that `page` went straight back to the RP with an mfa login. */
async function expectNoPrompt(found: Awaited<ReturnType<typeof again>>, tenant: Tenant): Promise<void> {
  expect(found.page.location?.startsWith(tenant.redirectUri)).toBe(true);
  expect((await idTokenOf(found.login, callbackOf(found.page, tenant))).acr).toBe(ACR.multiFactor);
}

function expectCodeOnly(page: Page): void {
  expect(isCodePage(page)).toBe(true);
  expect(hasPasswordField(page)).toBe(false);
}

describe('code validity and inactivity', () => {
  const clock: TestClock = createClock();
  let poort: TestPoort;
  beforeAll(async () => {
    poort = await startPoort('two-factor-timers', {}, { now: clock.now });
  });
  afterAll(async () => {
    await poort.close();
  });

  test('§5 log in: within the code validity a new authorization needs no prompt; after it, the code only', async () => {
    const { tenant, secret, agent } = await loggedIn(poort);
    clock.advance(10 * 60);
    await expectNoPrompt(await again(poort, tenant, agent), tenant);

    clock.advance(HOUR + 60 - 10 * 60); // code validity (1 h) + 60 s after the code; active 50 min ago
    const expired = await again(poort, tenant, agent);
    expectCodeOnly(expired.page);
    const done = await postCode(poort, expired.login, totpNow(poort, secret));
    const claims = await idTokenOf(expired.login, callbackOf(done, tenant));
    expect(claims.acr).toBe(ACR.multiFactor);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);

    // The new code starts a new validity period.
    clock.advance(10 * 60);
    await expectNoPrompt(await again(poort, tenant, agent), tenant);
  });

  test('§5 after 1 h inactivity: the code is asked again (code only), counted from the last activity', async () => {
    const { tenant, secret, agent } = await loggedIn(poort);
    // The person chose a code validity of 8 h, so only inactivity can ask for the code here.
    await poort.container.secondFactors.setCodeValidity(tenant.accountId, 8 * HOUR);
    clock.advance(50 * 60);
    await expectNoPrompt(await again(poort, tenant, agent), tenant);
    clock.advance(50 * 60); // 100 min after the login, 50 min after the last activity
    await expectNoPrompt(await again(poort, tenant, agent), tenant);

    clock.advance(HOUR + 1);
    const idle = await again(poort, tenant, agent);
    expectCodeOnly(idle.page);
    const done = await postCode(poort, idle.login, totpNow(poort, secret));
    expect((await idTokenOf(idle.login, callbackOf(done, tenant))).acr).toBe(ACR.multiFactor);
  });

  test('the organisation\'s inactivity timeout (10 min here, code validity 1 h) asks the code only', async () => {
    const { tenant, secret, agent } = await loggedIn(poort, (t) => setPolicy(poort, t.organisationId, { inactivityTimeout: 600 }));
    clock.advance(9 * 60);
    await expectNoPrompt(await again(poort, tenant, agent), tenant);
    clock.advance(9 * 60);
    await expectNoPrompt(await again(poort, tenant, agent), tenant);
    clock.advance(10 * 60 + 1);
    const idle = await again(poort, tenant, agent);
    expectCodeOnly(idle.page);
    const done = await postCode(poort, idle.login, totpNow(poort, secret));
    callbackOf(done, tenant);
  });

  test('an abandoned prompt is no activity: after opening the code page and leaving it, the code is still asked', async () => {
    const { tenant, agent } = await loggedIn(poort, (t) => setPolicy(poort, t.organisationId, { inactivityTimeout: 600 }));
    clock.advance(10 * 60 + 1);
    expectCodeOnly((await again(poort, tenant, agent)).page); // shown, never answered
    clock.advance(2 * 60);
    expectCodeOnly((await again(poort, tenant, agent)).page);
  });

  test('an organisation without 2FA (off) never asks the code again, however long the session idles', async () => {
    const { tenant, agent } = await loggedIn(poort);
    await setPolicy(poort, tenant.organisationId, { twoFactor: 'off' });
    clock.advance(3 * HOUR);
    const found = await again(poort, tenant, agent);
    expect(found.page.location?.startsWith(tenant.redirectUri)).toBe(true);
  });
});

describe('absolute session age (SESSION_MAX_AGE=2h)', () => {
  const clock: TestClock = createClock();
  let poort: TestPoort;
  beforeAll(async () => {
    poort = await startPoort('two-factor-session-age', { SESSION_MAX_AGE: '2h' }, { now: clock.now });
  });
  afterAll(async () => {
    await poort.close();
  });

  test('before the session age only the code is asked again; after it the full login with password', async () => {
    const { tenant, secret, agent } = await loggedIn(poort);
    clock.advance(50 * 60);
    await expectNoPrompt(await again(poort, tenant, agent), tenant);
    clock.advance(50 * 60); // 100 min: code validity over, session age not yet
    const codeOnly = await again(poort, tenant, agent);
    expectCodeOnly(codeOnly.page);
    callbackOf(await postCode(poort, codeOnly.login, totpNow(poort, secret)), tenant);

    clock.advance(21 * 60); // 121 min after the password, 21 min after the last code
    const full = await again(poort, tenant, agent);
    expect(full.page.status).toBe(200);
    expect(hasPasswordField(full.page)).toBe(true);
    const codePage = await submitLogin(agent, poort.issuer, full.page, tenant.email, tenant.password);
    expectCodeOnly(codePage);
    const done = await postCode(poort, full.login, totpNow(poort, secret));
    const claims = await idTokenOf(full.login, callbackOf(done, tenant));
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);

    // The full login restarted the session age: shortly after, no prompt.
    clock.advance(10 * 60);
    await expectNoPrompt(await again(poort, tenant, agent), tenant);
  });
});
