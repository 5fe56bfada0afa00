/** Two-step login with an SMS code: dev outbox and a real signed webhook, send again, tries per code, expiry. */
import { ACR } from '../../../config/oidc.ts';
import { inputValue } from '../../support/browser.ts';
import { createClock } from '../../support/clock.ts';
import { createTenant, startPoort, type TestPoort } from '../../support/poort.ts';
import { startSmsReceiver, type SmsReceiver } from '../../support/sms-receiver.ts';
import {
  callbackOf, codeMessage, enrolSms, expireCodeGate, expireSmsInterval, idTokenOf, isCodePage, outboxSmsCode, passwordStep, postCode,
  type AfterPassword,
} from '../../support/two-factor.ts';

const clock = createClock();
let poort: TestPoort;
let phoneCounter = 0;
/** A fresh Dutch mobile number per test (E.164). */
const newPhone = (): string => `+316123456${String((phoneCounter += 1)).padStart(2, '0')}`;

beforeAll(async () => {
  poort = await startPoort('two-factor-sms-login', {}, { now: clock.now });
});
afterAll(async () => {
  await poort.close();
});

/** "Send a new code" on the code page; answers the page shown afterwards. */
async function resend(login: AfterPassword) {
  const posted = await login.agent.request(`${login.base}/second-factor/resend`, { form: { csrf: login.csrf } });
  expect(posted.status).toBe(303);
  return login.agent.request(posted.location ?? '');
}

const wrongFor = (code: string): string => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

test('SMS login: the code arrives in the dev outbox, the number is shown masked, and the RP gets an mfa login', async () => {
  const tenant = await createTenant(poort);
  const phone = newPhone();
  await enrolSms(poort, tenant, phone);
  const login = await passwordStep(poort, tenant);
  expect(isCodePage(login.step)).toBe(true);
  expect(login.step.body).not.toContain(phone);
  expect(login.step.body).toContain(phone.slice(-2));
  expect(login.step.body).toContain('/second-factor/resend');

  const sms = poort.container.outbox?.list().find((m) => m.kind === 'sms' && m.to === phone);
  expect(sms?.purpose).toBe('login');
  const done = await postCode(poort, login, outboxSmsCode(poort, phone) ?? '');
  const claims = await idTokenOf(login, callbackOf(done, tenant));
  expect(claims.acr).toBe(ACR.multiFactor);
  expect(claims.amr).toEqual(['pwd', 'sms', 'mfa']);
});

test('SMS through a real HTTP gateway: set up during login and logged in again, every call signed', async () => {
  const receiver: SmsReceiver = await startSmsReceiver();
  const gatewayPoort = await startPoort('two-factor-sms-webhook', { SMS_WEBHOOK_URL: receiver.url, SMS_WEBHOOK_SECRET: receiver.secret });
  try {
    // The receiver refuses what is not signed with the secret (so the zero refusals below mean something).
    const forged = await fetch(receiver.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-poort-timestamp': '1', 'x-poort-signature': 'sha256=00' }, body: '{}' });
    expect(forged.status).toBe(401);
    const tenant = await createTenant(gatewayPoort);
    await gatewayPoort.container.models.Organisation.updateOne({ _id: tenant.organisationId }, { $set: { twoFactor: 'required' } });
    const phone = newPhone();

    // Set-up during the login: SMS, the number as a person types it, the code from the gateway.
    const first = await passwordStep(gatewayPoort, tenant);
    expect(first.step.body).toContain('value="sms"');
    const setup = await first.agent.follow(`${first.base}/enrol/start`, gatewayPoort.issuer, { form: { csrf: first.csrf, method: 'sms', phone: `06 ${phone.slice(4, 8)} ${phone.slice(8)}` } });
    expect(setup.body).not.toContain(phone);
    const enrolSms = await receiver.waitFor((sms) => sms.to === phone && sms.purpose === 'enrol');
    const codes = await first.agent.follow(`${first.base}/enrol/verify`, gatewayPoort.issuer, { form: { csrf: inputValue(setup.body, 'csrf') ?? '', code: /\d{6}/.exec(enrolSms.body)?.[0] ?? '' } });
    expect([...codes.body.matchAll(/<li><code>[0-9A-Z]{5}-[0-9A-Z]{5}<\/code><\/li>/g)]).toHaveLength(6);
    const done = await first.agent.follow(`${first.base}/enrol/done`, gatewayPoort.issuer, { form: { csrf: first.csrf } });
    expect((await idTokenOf(first, callbackOf(done, tenant))).amr).toEqual(['pwd', 'sms', 'mfa']);

    // A later login (another browser): the login code comes through the gateway too.
    await expireSmsInterval(gatewayPoort);
    const second = await passwordStep(gatewayPoort, tenant);
    expect(isCodePage(second.step)).toBe(true);
    const loginSms = await receiver.waitFor((sms) => sms.to === phone && sms.purpose === 'login');
    expect(loginSms.body).toMatch(/\b\d{6}\b/);
    const again = await postCode(gatewayPoort, second, /\d{6}/.exec(loginSms.body)?.[0] ?? '');
    expect((await idTokenOf(second, callbackOf(again, tenant))).acr).toBe(ACR.multiFactor);

    expect(receiver.refused).toBe(1);
    expect(receiver.messages.map((m) => m.purpose)).toEqual(['enrol', 'login']);
    // Nothing went to the dev outbox: the gateway is the sender.
    expect(gatewayPoort.container.outbox?.list().filter((m) => m.kind === 'sms') ?? []).toHaveLength(0);
  } finally {
    await gatewayPoort.close();
    await receiver.stop();
  }
});

test('"send again": refused while the last SMS is fresh; then a new code comes and the old one no longer works', async () => {
  const tenant = await createTenant(poort);
  const phone = newPhone();
  await enrolSms(poort, tenant, phone);
  const login = await passwordStep(poort, tenant);
  const oldCode = outboxSmsCode(poort, phone) ?? '';
  expect(oldCode).toMatch(/^\d{6}$/);

  const throttled = await resend(login);
  expect(codeMessage(throttled)).toBe('resendThrottled');
  expect(outboxSmsCode(poort, phone)).toBe(oldCode);

  await expireSmsInterval(poort);
  const resent = await resend(login);
  expect(resent.body).toContain('We sent you a new code.');
  const newCode = outboxSmsCode(poort, phone) ?? '';
  expect(poort.container.outbox?.list().filter((m) => m.kind === 'sms' && m.to === phone)).toHaveLength(3);

  if (newCode !== oldCode) {
    const refused = await postCode(poort, login, oldCode);
    expect(codeMessage(refused)).toBe('invalid');
  }
  const done = await postCode(poort, login, newCode);
  expect((await idTokenOf(login, callbackOf(done, tenant))).amr).toEqual(['pwd', 'sms', 'mfa']);
});

test('after 5 wrong tries even the right code of that SMS is refused; a new SMS works', async () => {
  const tenant = await createTenant(poort);
  const phone = newPhone();
  await enrolSms(poort, tenant, phone);
  const login = await passwordStep(poort, tenant);
  const code = outboxSmsCode(poort, phone) ?? '';
  for (let i = 0; i < 5; i += 1) {
    expect(codeMessage(await postCode(poort, login, wrongFor(code)))).toBe('invalid');
  }
  const right = await postCode(poort, login, code);
  expect(right.location).toBeUndefined();
  expect(codeMessage(right)).toBe('invalid');

  await expireSmsInterval(poort);
  await resend(login);
  await expireCodeGate(poort);
  const done = await postCode(poort, login, outboxSmsCode(poort, phone) ?? '');
  expect(callbackOf(done, tenant).searchParams.get('code')).toBeTruthy();
});

test('an SMS code older than 10 minutes is refused', async () => {
  const tenant = await createTenant(poort);
  const phone = newPhone();
  await enrolSms(poort, tenant, phone);
  const login = await passwordStep(poort, tenant);
  const code = outboxSmsCode(poort, phone) ?? '';
  clock.advance(11 * 60);
  const expired = await postCode(poort, login, code);
  expect(isCodePage(expired)).toBe(true);
  expect(codeMessage(expired)).toBe('invalid');

  await expireSmsInterval(poort);
  await resend(login);
  const fresh = outboxSmsCode(poort, phone) ?? '';
  const done = await postCode(poort, login, fresh);
  expect(callbackOf(done, tenant).searchParams.get('code')).toBeTruthy();
});

test('an SMS gateway that fails: the set-up page says the message could not be sent (no 500), nothing is enrolled', async () => {
  const failing = await startPoort('two-factor-sms-gateway-down', { SMS_WEBHOOK_URL: 'http://127.0.0.1:1/sms', SMS_WEBHOOK_SECRET: 'x'.repeat(32) });
  try {
    const tenant = await createTenant(failing);
    await failing.container.models.Organisation.updateOne({ _id: tenant.organisationId }, { $set: { twoFactor: 'required' } });
    const login = await passwordStep(failing, tenant);
    const started = await login.agent.request(`${login.base}/enrol/start`, { form: { csrf: login.csrf, method: 'sms', phone: newPhone() } });
    expect(started.status).toBe(303);
    const page = await login.agent.request(started.location ?? '');
    expect(page.status).toBe(200);
    expect(page.body).toContain('The text message could not be sent');
    expect(page.body).toContain('name="method"');
    expect(await failing.container.secondFactors.get(tenant.accountId)).toBeUndefined();
  } finally {
    await failing.close();
  }
});
