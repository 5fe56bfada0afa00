/**
 * Invitations (the seed's first paragraph): the account is created `invited`, the welcome e-mail arrives over real
 * SMTP in the person's language, the link's page shows the rules, refuses each broken one, and the good password
 * logs the person in and sends them to the platform's initiate_login_uri, whose authorization request is answered
 * without a login page. The link works once (also under 20 parallel submissions), expires, is replaced by a new one;
 * a link that does not work gets one page that offers a fresh link.
 */
import { RECOVERY_CODE_COUNT } from '../../../src/auth/factors/recovery-code.ts';
import { passwordFeedback } from '../../../src/auth/password.ts';
import { feedbackText } from '../../../src/auth/password-strength.ts';
import { FRESH_PER_ACCOUNT } from '../../../src/accounts/invitations.ts';
import { message } from '../../support/account.ts';
import { Agent, inputValue, type Page } from '../../support/browser.ts';
import { createClock } from '../../support/clock.ts';
import { startPoort, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, discover, exchange } from '../../support/rp.ts';
import { attempt, expectNoLeak, openLogin } from '../../support/security.ts';
import { startSmtpReceiver, type ReceivedMail, type SmtpReceiver } from '../../support/smtp-receiver.ts';
import { enrolTotpAtLogin } from '../../support/two-factor.ts';

let poort: TestPoort;
let receiver: SmtpReceiver;
const clock = createClock();
const GOOD = 'Tulips along the canal, 1893!';
let counter = 0;

beforeAll(async () => {
  receiver = await startSmtpReceiver();
  poort = await startPoort('welcome', { SMTP_URL: receiver.url }, { now: clock.now });
});
afterAll(async () => {
  await poort.close();
  await receiver.stop();
});

interface Invited {
  organisationId: string;
  accountId: string;
  email: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  initiateLoginUri: string;
}

/** An organisation with a first-party platform (with an initiate_login_uri) and a person invited to it. */
async function invite(opts: { locale?: 'en' | 'nl'; twoFactor?: 'off' | 'optional' | 'required'; name?: string } = {}): Promise<Invited> {
  counter += 1;
  const { organisations, accounts, clients, invitations } = poort.container;
  const organisation = await organisations.create({ name: `Praktijk ${counter}`, twoFactor: opts.twoFactor ?? 'optional' });
  const redirectUri = `https://platform${counter}.example.org/callback`;
  const initiateLoginUri = `https://platform${counter}.example.org/start`;
  const client = await clients.create({ organisationId: organisation._id, name: `Platform ${counter}`, redirectUris: [redirectUri], firstParty: true, initiateLoginUri });
  const email = `invited${counter}@example.org`;
  const account = await accounts.create({ organisationId: organisation._id, email, role: 'client', name: opts.name ?? `Invited Person ${counter}`, locale: opts.locale });
  await invitations.send(account._id, { role: 'manager', id: 'manager-1' });
  return { organisationId: organisation._id, accountId: account._id, email, clientId: client.clientId, clientSecret: client.clientSecret ?? '', redirectUri, initiateLoginUri };
}

const welcomeMail = (to: string): Promise<ReceivedMail> => receiver.waitFor((m) => m.to.includes(to) && /account/i.test(m.subject));
const linkIn = (mail: ReceivedMail): string => /https?:\/\/\S+\/welcome\/[\w-]{43}/.exec(mail.text)?.[0] ?? '';
const mailsTo = (to: string): ReceivedMail[] => receiver.messages.filter((m) => m.to.includes(to));

async function postWelcome(agent: Agent, link: string, page: Page, fields: Record<string, string>): Promise<Page> {
  return agent.request(link, { form: { csrf: inputValue(page.body, 'csrf') ?? '', ...fields } });
}

function errorsOn(page: Page): string[] {
  return [...page.body.matchAll(/<p[^>]*class="error"[^>]*>([^<]*)<\/p>/g)].map((m) => m[1] ?? '');
}

test('the welcome e-mail: HTML and text, the organisation, who invited by role, the expiry, a single-use link', async () => {
  const person = await invite();
  const mail = await welcomeMail(person.email);
  expect(mail.subject).toBe(`Your account at Praktijk ${counter}`);
  expect(mail.text).toContain(`The application manager of Praktijk ${counter} has created an account for you.`);
  expect(mail.text).toContain('valid for 72 hours');
  expect(mail.html).toContain(linkIn(mail).replace(/&/g, '&amp;'));
  expect(linkIn(mail)).toMatch(new RegExp(`^${poort.issuer}/welcome/[\\w-]{43}$`));
  const stored = await poort.container.models.Account.findById(person.accountId).lean();
  expect(stored?.status).toBe('invited');
  // Only the token's hash is kept.
  expect(JSON.stringify(stored)).not.toContain(linkIn(mail).split('/').pop());
});

test('the welcome e-mail in Dutch for a Dutch account', async () => {
  const person = await invite({ locale: 'nl' });
  const mail = await receiver.waitFor((m) => m.to.includes(person.email));
  expect(mail.subject).toBe(`Je account bij Praktijk ${counter}`);
  expect(mail.text).toContain(`De applicatiebeheerder van Praktijk ${counter} heeft een account voor je aangemaakt.`);
  expect(mail.text).toContain('72 uur geldig');
});

test('the page shows the rules before typing, refuses each broken rule, and the good password lands the person at the platform logged in', async () => {
  const person = await invite();
  const link = linkIn(await welcomeMail(person.email));
  const browser = new Agent();
  const page = await browser.request(link);
  expect(page.status).toBe(200);
  expect(page.headers.get('cache-control')).toBe('no-store');
  for (const rule of [message('password.rules.length', { min: 12 }), message('password.rules.special'), message('password.rules.guess')]) {
    expect(page.body).toContain(rule);
  }
  expect(page.body).toContain('href="/password-tips"');
  // The meter: served script, hidden until it runs (CSP: no inline script).
  expect(page.body).toContain('<script type="module" src="/assets/password-meter.js"></script>');
  expect(page.body).not.toMatch(/<script>/);

  const refusals: Array<[string, string, string]> = [
    ['too short', 'Short one!', message('password.tooShort', { min: 12 })],
    ['no special character', 'twelveletters42', message('password.noSpecial')],
    ['common', 'Password1234!', message('password.common')],
    ['contains the e-mail name', `Ik ben ${person.email.split('@')[0]} 2x!`, message('password.containsEmail')],
    ['contains the name', 'Waterlelie Invited 93!', message('password.containsName')],
    ['easy to guess (zxcvbn score below 3)', 'qwertyuiop[]', message('password.weak')],
    ['the organisation name', `Praktijk ${counter}!!!`, message('password.weak')],
    ['the two differ', GOOD, message('welcome.mismatch')],
  ];
  for (const [what, password, expected] of refusals) {
    const posted = await postWelcome(browser, link, page, { password, confirm: what === 'the two differ' ? `${GOOD}x` : password });
    expect({ what, status: posted.status, location: posted.location }).toEqual({ what, status: 303, location: link });
    const again = await browser.request(link);
    expect({ what, errors: errorsOn(again) }).toEqual({ what, errors: expect.arrayContaining([expected]) });
  }
  expect((await poort.container.models.Account.findById(person.accountId).lean())?.status).toBe('invited');

  // An easy-to-guess password also gets the strength check's own advice, translated.
  await postWelcome(browser, link, page, { password: 'qwertyuiop[]', confirm: 'qwertyuiop[]' });
  const advised = await browser.request(link);
  const advice = passwordFeedback('qwertyuiop[]', person.email).map((key) => feedbackText(key, 'en'));
  expect(advice.length).toBeGreaterThan(0);
  expect(errorsOn(advised)).toEqual(expect.arrayContaining(advice));

  const done = await postWelcome(browser, link, page, { password: GOOD, confirm: GOOD });
  expect(done.status).toBe(303);
  const start = new URL(done.location ?? '');
  expect(`${start.origin}${start.pathname}`).toBe(person.initiateLoginUri);
  expect(start.searchParams.get('iss')).toBe(poort.issuer);
  expect(start.searchParams.get('login_hint')).toBe(person.email);

  // The platform starts an ordinary authorization request: answered at once, no login page.
  const config = await discover(poort.issuer, person);
  const request = await authorizationRequest(config, person.redirectUri, { claims: JSON.stringify({ id_token: { email: null, email_verified: null } }) });
  const pages = await browser.trace(request.url.toString(), poort.issuer);
  expect(pages.filter((p) => p.status === 200)).toEqual([]);
  const callback = new URL(pages[pages.length - 1]?.location ?? '');
  expect(callback.origin + callback.pathname).toBe(person.redirectUri);
  const tokens = await exchange(config, callback, request);
  expect(tokens.claims()).toMatchObject({ sub: person.accountId, email: person.email, email_verified: true });
  const stored = await poort.container.models.Account.findById(person.accountId).lean();
  expect({ status: stored?.status, emailVerified: stored?.emailVerified, invitation: stored?.invitation }).toEqual({ status: 'active', emailVerified: true, invitation: undefined });

  // The account page leads back to the platform (its initiate_login_uri, with iss) and out (logout).
  const accountPage = await browser.follow(`${poort.issuer}/account/security`, poort.issuer);
  const back = new URL(person.initiateLoginUri);
  back.searchParams.set('iss', poort.issuer);
  expect(accountPage.body).toContain(`href="${back.toString().replace(/&/g, '&amp;')}"`);
  expect(accountPage.body).toContain(`>${message('account.backTo', { platform: `Platform ${counter}` })}<`);
  expect(accountPage.body).toContain(`href="/session/end">${message('account.logout')}<`);
});

test('with the organisation on required, the enrolment comes between the password and the platform', async () => {
  const person = await invite({ twoFactor: 'required' });
  const link = linkIn(await welcomeMail(person.email));
  const browser = new Agent();
  const page = await browser.request(link);
  const done = await postWelcome(browser, link, page, { password: GOOD, confirm: GOOD });
  expect(new URL(done.location ?? '').pathname).toBe('/start');
  const config = await discover(poort.issuer, person);
  const request = await authorizationRequest(config, person.redirectUri, { claims: JSON.stringify({ id_token: { email_verified: null } }) });
  const step = await browser.follow(request.url.toString(), poort.issuer);
  // The set-up the login uses (method choice), with no password asked again.
  expect(step.body).toContain('name="method"');
  expect(step.body).not.toContain('name="password"');
  const uid = /\/interaction\/([\w-]+)/.exec(step.url)?.[1] ?? '';
  const enrolled = await enrolTotpAtLogin(poort, {
    agent: browser, config, request, page: step, uid, csrf: inputValue(step.body, 'csrf') ?? '', base: `${poort.issuer}/interaction/${uid}`, step,
  });
  expect(enrolled.recoveryCodes).toHaveLength(RECOVERY_CODE_COUNT);
  const tokens = await exchange(config, enrolled.callback, request);
  expect(tokens.claims()).toMatchObject({ sub: person.accountId, email_verified: true, acr: 'urn:poort:acr:mfa' });
});

test('a used link, a replaced link, an expired link and a tampered link all get the same page, which offers a fresh link', async () => {
  const used = await invite();
  const usedLink = linkIn(await welcomeMail(used.email));
  const browser = new Agent();
  const first = await browser.request(usedLink);
  await postWelcome(browser, usedLink, first, { password: GOOD, confirm: GOOD });

  const replaced = await invite();
  const oldLink = linkIn(await welcomeMail(replaced.email));
  await poort.container.invitations.send(replaced.accountId, { role: 'operator' });

  const expired = await invite();
  const expiredLink = linkIn(await welcomeMail(expired.email));
  clock.advance(72 * 3600 + 1);

  const tampered = `${usedLink.slice(0, -1)}${usedLink.endsWith('A') ? 'B' : 'A'}`;
  const pages = await Promise.all([usedLink, oldLink, expiredLink, tampered, `${poort.issuer}/welcome/not-a-token`].map((l) => new Agent().request(l)));
  const comparable = (p: Page): string => p.body.replace(/(name="csrf" value=")[^"]*"/, '$1"').replace(/action="[^"]*"/, 'action=""');
  for (const page of pages) {
    expect(page.status).toBe(400);
    expectNoLeak(page.body);
    expect(page.body).toContain(message('welcome.invalid.title'));
    expect(page.body).not.toContain('type="password"');
    expect(comparable(page)).toBe(comparable(pages[0] as Page));
  }
  clock.advance(-(72 * 3600 + 1));
});

test('a fresh link from the page of an expired link: a new welcome mail; for a used or unknown link the same answer and no mail', async () => {
  const expired = await invite();
  const expiredLink = linkIn(await welcomeMail(expired.email));
  const used = await invite();
  const usedLink = linkIn(await welcomeMail(used.email));
  const usedBrowser = new Agent();
  await postWelcome(usedBrowser, usedLink, await usedBrowser.request(usedLink), { password: GOOD, confirm: GOOD });
  clock.advance(72 * 3600 + 1);
  try {
    const answers: Page[] = [];
    for (const link of [expiredLink, usedLink, `${poort.issuer}/welcome/${'x'.repeat(43)}`]) {
      const agent = new Agent();
      const page = await agent.request(link);
      const posted = await agent.request(`${new URL(link).pathname.startsWith('/welcome/') ? link : link}/fresh`, { form: { csrf: inputValue(page.body, 'csrf') ?? '' } });
      expect(posted.status).toBe(303);
      answers.push(await agent.follow(posted.location ?? '', poort.issuer));
    }
    await poort.container.invitations.settle();
    for (const answer of answers) expect(answer.body).toBe(answers[0]?.body);
    expect(answers[0]?.body).toContain(message('welcome.sent.body'));
    const fresh = mailsTo(expired.email);
    expect(fresh).toHaveLength(2);
    expect(linkIn(fresh[1] as ReceivedMail)).not.toBe(expiredLink);
    expect(mailsTo(used.email)).toHaveLength(1);
  } finally {
    clock.advance(-(72 * 3600 + 1));
  }
});

test('RACE: 20 parallel submissions of one link set the password exactly once', async () => {
  const person = await invite();
  const link = linkIn(await welcomeMail(person.email));
  const browsers = Array.from({ length: 20 }, () => new Agent());
  const pages = await Promise.all(browsers.map((b) => b.request(link)));
  const passwords = browsers.map((_, i) => `${GOOD} ${i}`);
  const answers = await Promise.all(browsers.map((b, i) => postWelcome(b, link, pages[i] as Page, { password: passwords[i] as string, confirm: passwords[i] as string })));
  const won = answers.filter((a) => a.location?.startsWith(person.initiateLoginUri));
  expect(won).toHaveLength(1);
  expect(answers.filter((a) => a.status !== 303)).toEqual([]);
  // The one winner's password is the account's; every other submission changed nothing.
  const winner = answers.indexOf(won[0] as Page);
  const login = await openLogin(poort, person);
  expect((await attempt(login, person.email, passwords[winner] as string)).verdict).toBe('none');
  const events = await poort.container.models.AuditEvent.find({ type: 'account.activated', targetId: person.accountId }).lean();
  expect(events).toHaveLength(1);
});

test('an invited account at the login page gets exactly the answer of a wrong password', async () => {
  const person = await invite();
  await welcomeMail(person.email);
  const invited = await attempt(await openLogin(poort, person), person.email, GOOD);
  const unknown = await attempt(await openLogin(poort, person), `nobody${counter}@example.org`, GOOD);
  expect(invited.verdict).toBe(unknown.verdict);
  expect(invited.verdict).toBe('failed');
});

test('fresh links for one account are throttled: beyond the limit the same answer and no mail', async () => {
  const person = await invite();
  const link = linkIn(await welcomeMail(person.email));
  const agent = new Agent();
  const page = await agent.request(link);
  // Its own link still works, so the page offers the password; the fresh-link form is posted as a script would.
  expect(page.status).toBe(200);
  const answers: Page[] = [];
  for (let i = 0; i < FRESH_PER_ACCOUNT + 2; i += 1) {
    answers.push(await agent.request(`${link}/fresh`, { form: { csrf: inputValue(page.body, 'csrf') ?? '' } }));
    await poort.container.invitations.settle();
  }
  expect(answers.map((a) => a.location)).toEqual(answers.map(() => `${poort.issuer}/welcome/sent`));
  // The first mail, and one fresh link per allowed request.
  expect(mailsTo(person.email)).toHaveLength(1 + FRESH_PER_ACCOUNT);
});
