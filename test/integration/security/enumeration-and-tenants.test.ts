/**
 * What a login form reveals: a wrong password and an unknown e-mail look exactly alike, and an account of another
 * organisation is as unknown to a client as an address that does not exist — also when it already has a session.
 */
import { en } from '../../../src/i18n/en.ts';
import { Agent, inputValue, type Page } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, exchange } from '../../support/rp.ts';
import { attempt, formError, openLogin, postLogin, withoutCsrf } from '../../support/security.ts';

let poort: TestPoort;
let orgA: Tenant;
let orgB: Tenant;

beforeAll(async () => {
  poort = await startPoort('security-enumeration');
  orgA = await createTenant(poort);
  orgB = await createTenant(poort);
});
afterAll(async () => {
  await poort.close();
});

test('a wrong password and an unknown e-mail get the identical answer, keeping the typed e-mail', async () => {
  const form = await openLogin(poort, orgA);
  const unknown = 'no-such-person@example.org';

  const wrongPost = await postLogin(form, orgA.email, 'Wrong password 123!');
  const wrongPage = await form.agent.request(wrongPost.location ?? '');
  const unknownPost = await postLogin(form, unknown, 'Wrong password 123!');
  const unknownPage = await form.agent.request(unknownPost.location ?? '');

  expect(wrongPost.status).toBe(303);
  expect(unknownPost.status).toBe(wrongPost.status);
  expect(wrongPost.location).toBe(form.base);
  expect(unknownPost.location).toBe(wrongPost.location);
  expect(unknownPost.body).toBe(wrongPost.body);
  const headerNames = (page: Page): string[] => [...page.headers.keys()].filter((k) => k !== 'date' && k !== 'x-request-id').sort();
  expect(headerNames(unknownPost)).toEqual(headerNames(wrongPost));

  expect(wrongPage.status).toBe(200);
  expect(unknownPage.status).toBe(200);
  expect(formError(wrongPage.body)).toBe(en['login.failed']);
  expect(inputValue(wrongPage.body, 'email')).toBe(orgA.email);
  expect(inputValue(unknownPage.body, 'email')).toBe(unknown);
  const same = (html: string, email: string): string => withoutCsrf(html).replace(`value="${email}"`, 'value="TYPED"');
  expect(same(unknownPage.body, unknown)).toBe(same(wrongPage.body, orgA.email));
  expect(unknownPage.headers.get('content-type')).toBe(wrongPage.headers.get('content-type'));
});

test('a client of organisation A cannot log in an account of organisation B: the same generic failure', async () => {
  const form = await openLogin(poort, orgA);
  const foreign = await attempt(form, orgB.email, orgB.password);
  expect(foreign.callback).toBeUndefined();
  expect(foreign.verdict).toBe('failed');
  expect(formError(foreign.page.body)).toBe(en['login.failed']);

  const unknown = await attempt(form, 'nobody-here@example.org', orgB.password);
  expect(unknown.verdict).toBe('failed');
  expect(withoutCsrf(foreign.page.body).replace(orgB.email, 'X')).toBe(withoutCsrf(unknown.page.body).replace('nobody-here@example.org', 'X'));

  // The client's own account still logs in through the same interaction.
  const own = await attempt(form, orgA.email, orgA.password);
  expect(own.callback?.origin).toBe(new URL(orgA.redirectUri).origin);
  const tokens = await exchange(form.config, own.callback!, form.request);
  expect(tokens.claims()?.sub).toBe(orgA.accountId);
});

test('a session of an organisation-B account does not log anyone in at an organisation-A client', async () => {
  // Log in at B's client; the browser now holds a Poort session for B's account.
  const atB = await openLogin(poort, orgB);
  const done = await attempt(atB, orgB.email, orgB.password);
  expect(done.callback?.searchParams.get('code')).toBeTruthy();
  const agent = atB.agent;

  // The session is real: B's own client gets a code silently.
  const silentB = await authorizationRequest(atB.config, orgB.redirectUri, { prompt: 'none' });
  const silentBPage = await agent.follow(silentB.url.toString(), poort.issuer);
  expect(new URL(silentBPage.location ?? poort.issuer).searchParams.get('code')).toBeTruthy();

  // A's client: the login page again, not a code.
  const aForm = await openLogin(poort, orgA, {}, agent);
  expect(aForm.page.status).toBe(200);
  expect(aForm.page.body).toContain(`action="/interaction/${aForm.uid}/login"`);

  // A's client with prompt=none: login_required back at A's redirect URI, no code.
  const silentA = await authorizationRequest(aForm.config, orgA.redirectUri, { prompt: 'none' });
  const silentAPage = await agent.follow(silentA.url.toString(), poort.issuer);
  const callback = new URL(silentAPage.location ?? poort.issuer);
  expect(callback.origin + callback.pathname).toBe(orgA.redirectUri);
  expect(callback.searchParams.get('error')).toBe('login_required');
  expect(callback.searchParams.get('code')).toBeNull();
  // …exactly as a browser without any session is answered: nothing hints at a session elsewhere.
  const fresh = await openLogin(poort, orgA);
  const silentNone = await authorizationRequest(fresh.config, orgA.redirectUri, { prompt: 'none' });
  const noSession = new URL((await new Agent().follow(silentNone.url.toString(), poort.issuer)).location ?? poort.issuer);
  const answer = (url: URL): string[][] => [...url.searchParams].filter(([name]) => name !== 'state').sort();
  expect(answer(callback)).toEqual(answer(noSession));

  // Logging in at A with A's own account from that browser ends B's session first, then returns to A.
  const own = await attempt(aForm, orgA.email, orgA.password);
  expect(own.callback?.origin).toBe(new URL(orgA.redirectUri).origin);
  const tokens = await exchange(aForm.config, own.callback!, aForm.request);
  expect(tokens.claims()?.sub).toBe(orgA.accountId);
});
