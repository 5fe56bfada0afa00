/**
 * "Forgot your password?" on the login page (DESIGN §7, §13): a known and an unknown address get the identical
 * answer; only an active account of the client's own organisation gets a link, by e-mail, in its language.
 */
import { alerts, message } from '../../support/account.ts';
import { Agent, inputValue } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { isPasswordForm, linkIn, requestReset, resetMails } from '../../support/password-reset.ts';
import { expectErrorPage, openLogin } from '../../support/security.ts';
import { comparable } from '../../support/two-factor.ts';

let poort: TestPoort;
let tenant: Tenant;

beforeAll(async () => {
  poort = await startPoort('forgot-request');
  tenant = await createTenant(poort);
});
afterAll(async () => {
  await poort.close();
});

test('a known and an unknown address get the identical answer; only the known one gets a link', async () => {
  const unknown = 'nobody-at-all@example.org';
  const known = await requestReset(poort, tenant, tenant.email);
  const other = await requestReset(poort, tenant, unknown);

  expect(known.form.status).toBe(200);
  expect(known.form.body).toContain(`action="/interaction/${known.login.uid}/forgot"`);
  for (const request of [known, other]) {
    expect(request.posted.status).toBe(303);
    expect(request.posted.location).toBe(`${request.login.base}/forgot/sent`);
    expect(request.answer.status).toBe(200);
    expect(request.answer.body).toContain(message('forgot.sent.body'));
  }
  expect(other.posted.body).toBe(known.posted.body.replaceAll(known.login.uid, other.login.uid));
  expect(comparable(other.answer.body, other.login.uid)).toBe(comparable(known.answer.body, known.login.uid));
  const headerNames = (headers: Headers): string[] => [...headers.keys()].filter((k) => k !== 'date' && k !== 'x-request-id').sort();
  expect(headerNames(other.posted.headers)).toEqual(headerNames(known.posted.headers));
  expect(other.answer.headers.get('cache-control')).toBe('no-store');

  expect(resetMails(poort, unknown)).toHaveLength(0);
  const mails = resetMails(poort, tenant.email);
  expect(mails).toHaveLength(1);
  const mail = mails[0];
  const link = linkIn(mail);
  expect(link).toMatch(new RegExp(`^${poort.issuer}/reset-password/[\\w-]{43}$`));
  expect(mail?.subject).toBe('Choose a new password');
  // Clickable in the HTML part, intact (no &amp;) in the text part.
  expect(mail?.html).toContain(`href="${link}"`);
  expect(mail?.text).toContain(`\n${link}\n`);
  expect(mail?.text).toContain('The link is valid for 1 hour and works once.');
  expect(mail?.text).not.toContain('&amp;');

  // The link works (no second factor: straight to the new password), in a browser of its own.
  expect(isPasswordForm(await new Agent().follow(link, poort.issuer))).toBe(true);
  const audit = await poort.container.models.AuditEvent.find({ type: 'password.reset_requested' }).lean().exec();
  expect(audit.map((event) => event.targetId)).toEqual([tenant.accountId]);
});

test('no link for an account of another organisation, an invited account or a disabled account', async () => {
  const other = await createTenant(poort);
  const invited = await poort.container.accounts.create({ organisationId: tenant.organisationId, email: 'invited-person@example.org', role: 'client' });
  const disabled = await poort.container.accounts.create({ organisationId: tenant.organisationId, email: 'disabled-person@example.org', role: 'client', password: 'Disabled person 1!' });
  await poort.container.models.Account.updateOne({ _id: disabled._id }, { $set: { status: 'disabled' } });

  for (const email of [other.email, invited.email, disabled.email]) {
    const request = await requestReset(poort, tenant, email);
    expect(request.answer.body).toContain(message('forgot.sent.body'));
    expect(resetMails(poort, email)).toHaveLength(0);
  }
  // Through its own organisation's client, the other account does get one.
  await requestReset(poort, other, other.email);
  expect(resetMails(poort, other.email)).toHaveLength(1);
});

test('bad input: an invalid address is asked again with a message; no CSRF token, a foreign interaction or a doubled field are refused', async () => {
  const login = await openLogin(poort, tenant);
  const form = await login.agent.follow(`${login.base}/forgot`, poort.issuer);
  const csrf = inputValue(form.body, 'csrf') ?? '';

  const invalid = await login.agent.request(`${login.base}/forgot`, { form: { csrf, email: 'not an address' } });
  expect(invalid.status).toBe(303);
  expect(invalid.location).toBe(`${login.base}/forgot`);
  const again = await login.agent.follow(invalid.location ?? '', poort.issuer);
  expect(alerts(again)).toEqual([message('forgot.invalid')]);
  expect(inputValue(again.body, 'email')).toBe('not an address');

  expectErrorPage(await login.agent.request(`${login.base}/forgot`, { form: { email: tenant.email } }), 403);
  expectErrorPage(await login.agent.request(`${login.base}/forgot`, {
    body: `csrf=${csrf}&email=${encodeURIComponent(tenant.email)}&email=x%40example.org`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  }), 400);
  expectErrorPage(await new Agent().request(`${login.base}/forgot`), 400);
  expectErrorPage(await login.agent.request(`${poort.issuer}/interaction/not-an-interaction/forgot`), 400);
  await poort.container.passwordResets.settle();
  expect(resetMails(poort, tenant.email)).toHaveLength(1); // only the first test's
});

test('the pages are in the browser\'s language and the mail in the account\'s', async () => {
  const dutch = await poort.container.accounts.create({ organisationId: tenant.organisationId, email: 'nederlander@example.org', role: 'client', locale: 'nl', password: 'Een goed wachtwoord!' });
  const browser = new Agent({ headers: { 'accept-language': 'nl-NL,nl;q=0.9' } });
  const request = await requestReset(poort, tenant, dutch.email, browser);
  expect(request.login.page.body).toContain('Wachtwoord vergeten?');
  expect(request.answer.body).toContain('<html lang="nl">');
  expect(request.answer.body).toContain('Als er een account met dit adres bestaat');
  const [mail] = resetMails(poort, dutch.email);
  expect(mail?.subject).toBe('Kies een nieuw wachtwoord');
  expect(mail?.text).toContain('De link is 1 uur geldig en werkt één keer.');
  // An account with a language gets its mail in it whatever the browser; one without, in the page's language.
  const english = await poort.container.accounts.create({ organisationId: tenant.organisationId, email: 'english@example.org', role: 'client', locale: 'en', password: 'A good password here!' });
  await requestReset(poort, tenant, english.email, new Agent({ headers: { 'accept-language': 'nl' } }));
  expect(resetMails(poort, english.email)[0]?.subject).toBe('Choose a new password');
  await requestReset(poort, tenant, tenant.email, new Agent({ headers: { 'accept-language': 'nl' } }));
  expect(resetMails(poort, tenant.email)[0]?.subject).toBe('Kies een nieuw wachtwoord');
});
