/**
 * Broken requests on every POST route of the interaction and on the token endpoint: each is answered with a 4xx
 * (a friendly page, or OAuth JSON at the token endpoint), never a 500 or a stack trace, and what was already
 * saved survives — the same interaction, code or consent can still be completed afterwards.
 */
import { en } from '../../../src/i18n/en.ts';
import { inputValue, type Page } from '../../support/browser.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { exchange } from '../../support/rp.ts';
import { attempt, codeOf, expectErrorPage, expectNoLeak, formError, openLogin, postLogin, tokenRequest, type OpenLogin } from '../../support/security.ts';

let poort: TestPoort;
let tenant: Tenant;
let thirdParty: Tenant;

beforeAll(async () => {
  poort = await startPoort('security-bad-bodies');
  tenant = await createTenant(poort);
  thirdParty = await createTenant(poort, { firstParty: false });
});
afterAll(async () => {
  await poort.close();
});

const FORM = 'application/x-www-form-urlencoded';

interface BadBody {
  name: string;
  status: number;
  messageKey: keyof typeof en;
  body: (csrf: string) => string | Buffer;
  contentType?: string;
}

/** Broken variants of a form that would otherwise be accepted (`fields` are the route's other fields). */
function badBodies(fields: string): BadBody[] {
  const more = fields ? `&${fields}` : '';
  return [
    { name: 'a bad percent escape', status: 400, messageKey: 'error.badRequest', body: (csrf) => `csrf=${csrf}${more}&note=%zz` },
    { name: 'a truncated percent escape', status: 400, messageKey: 'error.badRequest', body: (csrf) => `csrf=${csrf}${more}&note=abc%E0%A4%A` },
    { name: 'escaped bytes that are not UTF-8', status: 400, messageKey: 'error.badRequest', body: (csrf) => `csrf=${csrf}${more}&note=%FF%FE` },
    { name: 'raw bytes that are not UTF-8', status: 400, messageKey: 'error.badRequest', body: (csrf) => Buffer.concat([Buffer.from(`csrf=${csrf}${more}&note=`), Buffer.from([0xc3, 0x28, 0xff])]) },
    { name: 'a NUL character', status: 400, messageKey: 'error.badRequest', body: (csrf) => `csrf=${csrf}${more}&note=a%00b` },
    { name: 'a body over 64 kB', status: 413, messageKey: 'error.tooLarge', body: (csrf) => `csrf=${csrf}${more}&note=${'x'.repeat(65 * 1024)}` },
    { name: 'a duplicated csrf field', status: 400, messageKey: 'error.badRequest', body: (csrf) => `csrf=${csrf}&csrf=${csrf}${more}` },
    { name: 'a duplicated field', status: 400, messageKey: 'error.badRequest', body: (csrf) => `csrf=${csrf}${more}&note=a&note=a` },
    { name: 'JSON', status: 415, messageKey: 'error.badRequest', contentType: 'application/json', body: (csrf) => JSON.stringify({ csrf }) },
    { name: 'text/plain', status: 415, messageKey: 'error.badRequest', contentType: 'text/plain', body: (csrf) => `csrf=${csrf}${more}` },
    { name: 'multipart/form-data', status: 415, messageKey: 'error.badRequest', contentType: 'multipart/form-data; boundary=x', body: (csrf) => `--x\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n${csrf}\r\n--x--\r\n` },
    { name: 'no CSRF token', status: 403, messageKey: 'error.csrf', body: () => fields },
    { name: 'an empty CSRF token', status: 403, messageKey: 'error.csrf', body: () => `csrf=${more}` },
    { name: 'a wrong CSRF token', status: 403, messageKey: 'error.csrf', body: (csrf) => `csrf=${csrf.slice(0, -2)}AA${more}` },
    { name: 'an empty body', status: 403, messageKey: 'error.csrf', body: () => '' },
  ];
}

async function post(login: OpenLogin, route: string, bad: BadBody): Promise<Page> {
  return login.agent.request(`${login.base}/${route}`, { method: 'POST', body: bad.body(login.csrf), headers: { 'content-type': bad.contentType ?? FORM } });
}

function expectRefusal(page: Page, bad: BadBody): void {
  expectErrorPage(page, bad.status);
  expect(page.location).toBeUndefined();
  expect(page.body).toContain(en[bad.messageKey]);
}

test('the login route refuses every broken body, and the interaction (with its saved message) carries on', async () => {
  const login = await openLogin(poort, tenant);
  // Something saved before the bad requests: the wrong-password message and the typed e-mail for the next page.
  expect((await postLogin(login, tenant.email, 'Wrong password 99!')).status).toBe(303);

  const fields = `email=${encodeURIComponent(tenant.email)}&password=${encodeURIComponent(tenant.password)}`;
  for (const bad of badBodies(fields)) {
    const page = await post(login, 'login', bad);
    expectRefusal(page, bad);
  }
  // A streamed (chunked) body that grows past 64 kB is cut off too.
  const chunk = new TextEncoder().encode(`csrf=${login.csrf}&${fields}&note=${'y'.repeat(16 * 1024)}`);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < 6; i += 1) controller.enqueue(chunk);
      controller.close();
    },
  });
  const streamed = await fetch(`${login.base}/login`, {
    method: 'POST', body: stream, duplex: 'half', redirect: 'manual',
    headers: { 'content-type': FORM, cookie: login.agent.cookieHeader(), accept: 'text/html' },
  } as RequestInit);
  expect(streamed.status).toBe(413);
  expectNoLeak(await streamed.text());

  const page = await login.agent.request(login.base);
  expect(page.status).toBe(200);
  expect(formError(page.body)).toBe(en['login.failed']);
  expect(inputValue(page.body, 'email')).toBe(tenant.email);

  const done = await attempt(login, tenant.email, tenant.password);
  const tokens = await exchange(login.config, done.callback!, login.request);
  expect(tokens.claims()?.sub).toBe(tenant.accountId);
});

test('the abort route refuses every broken body without aborting the interaction', async () => {
  const login = await openLogin(poort, tenant);
  for (const bad of badBodies('')) {
    expectRefusal(await post(login, 'abort', bad), bad);
  }
  const done = await attempt(login, tenant.email, tenant.password);
  expect(done.callback?.searchParams.get('error')).toBeNull();
  expect(codeOf(done.callback!)).toBeTruthy();
});

test('the consent route refuses every broken body, and the login before it is kept', async () => {
  const login = await openLogin(poort, thirdParty);
  const consent = await attempt(login, thirdParty.email, thirdParty.password);
  expect(consent.callback).toBeUndefined();
  // The consent step is an interaction of its own.
  const uid = /\/interaction\/([\w-]+)$/.exec(consent.page.url)?.[1] ?? '';
  const step: OpenLogin = { ...login, page: consent.page, uid, base: `${poort.issuer}/interaction/${uid}` };
  expect(consent.page.body).toContain(`action="/interaction/${uid}/confirm"`);

  for (const bad of badBodies('')) {
    expectRefusal(await post(step, 'confirm', bad), bad);
  }
  // A login POST at the consent step is the wrong step, not a second login.
  const wrongStep = await postLogin(step, thirdParty.email, thirdParty.password);
  expectErrorPage(wrongStep, 400);
  expect(wrongStep.body).toContain(en['error.sessionExpired']);

  // The password is not asked again: the consent page is still there and completes.
  const again = await step.agent.request(step.base);
  expect(again.body).toContain(`action="/interaction/${uid}/confirm"`);
  const confirmed = await step.agent.follow(`${step.base}/confirm`, poort.issuer, { form: { csrf: step.csrf } });
  const callback = new URL(confirmed.location ?? poort.issuer);
  const tokens = await exchange(login.config, callback, login.request);
  expect(tokens.claims()?.sub).toBe(thirdParty.accountId);
});

test('the token endpoint answers broken bodies with OAuth JSON errors and the code stays redeemable', async () => {
  const login = await openLogin(poort, tenant);
  const done = await attempt(login, tenant.email, tenant.password);
  const code = codeOf(done.callback!);
  const good = `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(tenant.redirectUri)}&code_verifier=${login.request.verifier}`;

  const cases: Array<[string, string | Buffer, string, number, string]> = [
    ['a bad percent escape in redirect_uri', good.replace('redirect_uri=', 'redirect_uri=%zz'), FORM, 400, 'invalid_grant'],
    ['raw non-UTF-8 bytes in grant_type', Buffer.concat([Buffer.from('grant_type=authorization_code'), Buffer.from([0xff]), Buffer.from(good.slice(good.indexOf('&')))]), FORM, 400, 'unsupported_grant_type'],
    ['escaped non-UTF-8 bytes in the code', good.replace(`code=${code}`, `code=${code}%FF`), FORM, 400, 'invalid_grant'],
    ['a body over 64 kB', `${good}&note=${'x'.repeat(65 * 1024)}`, FORM, 400, 'invalid_request'],
    ['a duplicated code', `${good}&code=${code}`, FORM, 400, 'invalid_request'],
    ['a duplicated grant_type', `${good}&grant_type=authorization_code`, FORM, 400, 'invalid_request'],
    ['JSON', JSON.stringify(Object.fromEntries(new URLSearchParams(good))), 'application/json', 400, 'invalid_request'],
    ['text/plain', good, 'text/plain', 400, 'invalid_request'],
    ['no grant_type', good.replace('grant_type=authorization_code&', ''), FORM, 400, 'invalid_request'],
    ['an empty body', '', FORM, 400, 'invalid_request'],
  ];
  for (const [name, body, type, status, error] of cases) {
    const answer = await tokenRequest(poort, tenant, body, type);
    expect({ name, status: answer.status, type: answer.type.split(';')[0], error: answer.json?.error }).toEqual({ name, status, type: 'application/json', error });
    expect(typeof answer.json?.error_description).toBe('string');
    expectNoLeak(answer.text);
  }

  const tokens = await exchange(login.config, done.callback!, login.request);
  expect(tokens.claims()?.sub).toBe(tenant.accountId);
});
