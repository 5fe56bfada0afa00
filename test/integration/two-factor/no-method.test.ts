/**
 * An organisation that requires 2FA but allows only SMS, on a server without an SMS gateway: the person is told
 * clearly that no method is available (and whom to contact) instead of getting an empty choice.
 */
import { createTenant, startPoort, type TestPoort } from '../../support/poort.ts';
import { passwordStep, setPolicy } from '../../support/two-factor.ts';

let poort: TestPoort;

beforeAll(async () => {
  // A mail server is configured, so there is no dev outbox, and no SMS gateway: SMS cannot be offered.
  poort = await startPoort('two-factor-no-method', { SMTP_URL: 'smtp://127.0.0.1:1' });
});
afterAll(async () => {
  await poort.close();
});

test('required + SMS only + no SMS gateway: the set-up page says no method is available, with no form to submit', async () => {
  const tenant = await createTenant(poort);
  await setPolicy(poort, tenant.organisationId, { twoFactor: 'required', allowedMethods: ['sms'] });
  const login = await passwordStep(poort, tenant);
  expect(login.step.status).toBe(200);
  expect(login.step.body).toContain('No way to receive codes is available for your organisation right now.');
  expect(login.step.body).not.toContain('/enrol/start');
});
