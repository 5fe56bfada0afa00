/**
 * Requests for links are throttled (3 per hour per organisation + address, 20 per hour per IP). A throttled request
 * gets exactly the same answer page as any other; it silently sends nothing.
 */
import { message } from '../../support/account.ts';
import { Agent } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { isPasswordForm, linkIn, requestReset, resetMails, type ForgotRequest } from '../../support/password-reset.ts';
import { comparable } from '../../support/two-factor.ts';

let poort: TestPoort;
let tenant: Tenant;

beforeAll(async () => {
  poort = await startPoort('forgot-throttling');
  tenant = await createTenant(poort);
});
afterAll(async () => {
  await poort.close();
});

function expectSameAnswer(request: ForgotRequest, reference: ForgotRequest): void {
  expect(request.posted.status).toBe(303);
  expect(request.posted.location).toBe(`${request.login.base}/forgot/sent`);
  expect(request.answer.status).toBe(200);
  expect(request.answer.body).toContain(message('forgot.sent.body'));
  expect(comparable(request.answer.body, request.login.uid)).toBe(comparable(reference.answer.body, reference.login.uid));
}

test('the 4th request for one address within the hour sends nothing (same page); then the IP limit of 20 applies to every address', async () => {
  const first = await requestReset(poort, tenant, tenant.email);
  await requestReset(poort, tenant, tenant.email);
  await requestReset(poort, tenant, tenant.email);
  expect(resetMails(poort, tenant.email)).toHaveLength(3);
  const third = linkIn(resetMails(poort, tenant.email)[0]);

  const fourth = await requestReset(poort, tenant, tenant.email);
  expectSameAnswer(fourth, first);
  expect(resetMails(poort, tenant.email)).toHaveLength(3);
  // The link already sent keeps working: a throttled request replaces nothing.
  expect(isPasswordForm(await new Agent().follow(third, poort.issuer))).toBe(true);
  expect(await poort.container.models.AuditEvent.countDocuments({ type: 'password.reset_throttled' })).toBe(1);

  // Another address is counted on its own (the 5th request from this IP).
  const colleague = await poort.container.accounts.create({ organisationId: tenant.organisationId, email: 'colleague@example.org', role: 'client', password: 'Some password here 1!' });
  await requestReset(poort, tenant, colleague.email);
  expect(resetMails(poort, colleague.email)).toHaveLength(1);

  // Requests 6–20 from this IP, for unknown addresses; the 21st, for a known address, sends nothing.
  for (let index = 6; index <= 20; index += 1) await requestReset(poort, tenant, `unknown-${index}@example.org`);
  const late = await poort.container.accounts.create({ organisationId: tenant.organisationId, email: 'late@example.org', role: 'client', password: 'Another password 1!' });
  const twentyFirst = await requestReset(poort, tenant, late.email);
  expectSameAnswer(twentyFirst, first);
  expect(resetMails(poort, late.email)).toHaveLength(0);
});
