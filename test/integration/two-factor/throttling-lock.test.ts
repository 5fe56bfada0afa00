/**
 * Wrong second-factor codes: free attempts, then a growing delay (the delay is ended by expiring the gate record in
 * the database instead of waiting), then the factor locked — and a locked factor answers exactly like a wrong code.
 */
import { LOCK_AFTER } from '../../../src/auth/second-factors.ts';
import { FREE_ATTEMPTS } from '../../../src/auth/throttle.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import {
  type AfterPassword, callbackOf, codeMessage, comparable, enrolTotp, expireCodeGate, isCodePage, passwordStep, postCode, totpNow,
} from '../../support/two-factor.ts';

let poort: TestPoort;

beforeAll(async () => {
  poort = await startPoort('two-factor-throttling');
});
afterAll(async () => {
  await poort.close();
});

const wrongFor = (code: string): string => String((Number(code) + 500_000) % 1_000_000).padStart(6, '0');

test(`wrong codes: ${FREE_ATTEMPTS + 1} get the wrong-code message, the next ones the throttled message — also the right code`, async () => {
  const tenant = await createTenant(poort);
  const { secret } = await enrolTotp(poort, tenant);
  const login = await passwordStep(poort, tenant);
  for (let i = 0; i < FREE_ATTEMPTS + 1; i += 1) {
    expect(codeMessage(await postCode(poort, login, wrongFor(totpNow(poort, secret))))).toBe('invalid');
  }
  const throttled = await postCode(poort, login, wrongFor(totpNow(poort, secret)));
  expect(isCodePage(throttled)).toBe(true);
  expect(codeMessage(throttled)).toBe('throttled');
  // While the delay runs, the right code is not even checked.
  expect(codeMessage(await postCode(poort, login, totpNow(poort, secret)))).toBe('throttled');

  // The delay over (its record expired), the right code logs in.
  await expireCodeGate(poort);
  const done = await postCode(poort, login, totpNow(poort, secret));
  expect(callbackOf(done, tenant).searchParams.get('code')).toBeTruthy();
});

test(`after ${LOCK_AFTER} consecutive wrong codes the factor is locked, and the lock looks exactly like a wrong code`, async () => {
  const tenant = await createTenant(poort);
  const { secret } = await enrolTotp(poort, tenant);
  const login = await passwordStep(poort, tenant);
  let wrongPage = login.step;
  for (let i = 0; i < LOCK_AFTER; i += 1) {
    await expireCodeGate(poort);
    wrongPage = await postCode(poort, login, wrongFor(totpNow(poort, secret)));
    expect(codeMessage(wrongPage)).toBe('invalid');
  }

  await expireCodeGate(poort);
  const lockedRight = await postCode(poort, login, totpNow(poort, secret));
  expect(lockedRight.location).toBeUndefined();
  expect(codeMessage(lockedRight)).toBe('invalid');
  expect(comparable(lockedRight.body, login.uid)).toBe(comparable(wrongPage.body, login.uid));

  // A new login with the right password reaches the code page, but the right code is still refused, alike.
  await expireCodeGate(poort);
  const again = await passwordStep(poort, tenant);
  expect(isCodePage(again.step)).toBe(true);
  const refused = await postCode(poort, again, totpNow(poort, secret, 30));
  expect(refused.location).toBeUndefined();
  expect(comparable(refused.body, again.uid)).toBe(comparable(wrongPage.body, login.uid));

  // Operators can tell the lock apart in the audit log; the person cannot.
  const events = await poort.container.models.AuditEvent.find({ targetId: tenant.accountId }).lean().exec();
  expect(events.some((event) => event.type === 'login.second_factor_locked')).toBe(true);
});

test('a locked factor and a merely throttled one answer a guessing script with the same sequence', async () => {
  // Both factors past their free attempts with a delay running: one locked, one not.
  const locked = await createTenant(poort);
  const throttled = await createTenant(poort);
  const lockedFactor = await enrolTotp(poort, locked);
  const throttledFactor = await enrolTotp(poort, throttled);
  const lockedLogin = await passwordStep(poort, locked);
  for (let i = 0; i < LOCK_AFTER; i += 1) {
    await expireCodeGate(poort, locked.accountId);
    await postCode(poort, lockedLogin, wrongFor(totpNow(poort, lockedFactor.secret)));
  }
  const throttledLogin = await passwordStep(poort, throttled);
  for (let i = 0; i < FREE_ATTEMPTS + 1; i += 1) await postCode(poort, throttledLogin, wrongFor(totpNow(poort, throttledFactor.secret)));

  // What a script sees: quick retries, then one after the delay, then a quick one again.
  const answers = async (tenant: Tenant, login: AfterPassword, secret: string): Promise<string[]> => {
    const seen: string[] = [];
    const guess = async (): Promise<void> => {
      const page = await postCode(poort, login, wrongFor(totpNow(poort, secret)));
      seen.push(`${page.status} ${codeMessage(page)}`);
    };
    await guess();
    await guess();
    await expireCodeGate(poort, tenant.accountId);
    await guess();
    await guess();
    return seen;
  };
  const fromThrottled = await answers(throttled, throttledLogin, throttledFactor.secret);
  expect(fromThrottled).toEqual(['200 throttled', '200 throttled', '200 invalid', '200 throttled']);
  expect(await answers(locked, lockedLogin, lockedFactor.secret)).toEqual(fromThrottled);
});

test('another account is not affected by a locked factor', async () => {
  const locked = await createTenant(poort);
  const other = await createTenant(poort);
  const lockedFactor = await enrolTotp(poort, locked);
  const otherFactor = await enrolTotp(poort, other);
  const login = await passwordStep(poort, locked);
  for (let i = 0; i < LOCK_AFTER + 1; i += 1) {
    await expireCodeGate(poort);
    await postCode(poort, login, wrongFor(totpNow(poort, lockedFactor.secret)));
  }
  const otherLogin = await passwordStep(poort, other);
  const done = await postCode(poort, otherLogin, totpNow(poort, otherFactor.secret));
  expect(callbackOf(done, other).searchParams.get('code')).toBeTruthy();
});
