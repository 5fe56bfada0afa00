/**
 * Two-step login with a passkey (WebAuthn), answered by a software authenticator: the page's options, the ID token's
 * amr (hwk for a device-bound key, swk for a synced one) and acr; and what an attacker tries — a replayed assertion,
 * a challenge answered twice, 20 parallel submissions of one assertion, another origin, another account's or another
 * login's challenge, a counter that went back, garbage in the code field. Each is refused like a wrong code.
 */
import { ACR } from '../../../config/oidc.ts';
import { auditEvents } from '../../support/account.ts';
import type { Page } from '../../support/browser.ts';
import { allowPasskeys, answerOn, authenticatorFor, createOptions, enrolPasskey, signInOptions, startPasskeyPoort } from '../../support/passkey.ts';
import { createTenant, type TestPoort } from '../../support/poort.ts';
import { callbackOf, codeMessage, idTokenOf, isCodePage, passwordStep, postCode, setPolicy } from '../../support/two-factor.ts';

let poort: TestPoort;

beforeAll(async () => {
  poort = await startPasskeyPoort('two-factor-passkey-login');
});
afterAll(async () => {
  await poort.close();
});

async function passkeyTenant(options: Parameters<typeof authenticatorFor>[1] = {}) {
  const tenant = await createTenant(poort);
  await allowPasskeys(poort, tenant.organisationId);
  const authenticator = authenticatorFor(poort, options);
  const enrolled = await enrolPasskey(poort, tenant, authenticator, 'Laptop');
  return { tenant, authenticator, enrolled };
}

/** The interaction's page again (a new challenge each time it is shown). */
const reload = (login: Awaited<ReturnType<typeof passwordStep>>): Promise<Page> => login.agent.follow(`${login.base}`, poort.issuer);

test('after the password, the passkey page carries sign-in options for the account\'s passkey; the RP gets pwd+hwk+mfa', async () => {
  const { tenant, authenticator } = await passkeyTenant();
  const login = await passwordStep(poort, tenant);
  expect(isCodePage(login.step)).toBe(true);
  const options = signInOptions(login.step);
  expect(options?.rpId).toBe('localhost');
  expect(options?.allowCredentials?.map((credential) => credential.id)).toEqual(authenticator.credentials.map((credential) => credential.id));
  expect(login.step.body).toContain('src="/assets/passkey.js"');
  expect(login.step.body).toContain(`/interaction/${login.uid}?use=recovery`);

  const done = await postCode(poort, login, answerOn(login.step, authenticator));
  const claims = await idTokenOf(login, callbackOf(done, tenant));
  expect({ acr: claims.acr, amr: claims.amr }).toEqual({ acr: ACR.multiFactor, amr: ['pwd', 'hwk', 'mfa'] });
});

test('a synced passkey (backup eligible) gives amr swk, from its set-up on', async () => {
  const { tenant, authenticator, enrolled } = await passkeyTenant({ backupEligible: true });
  expect(enrolled.amr).toBe('swk');
  const login = await passwordStep(poort, tenant);
  const claims = await idTokenOf(login, callbackOf(await postCode(poort, login, answerOn(login.step, authenticator)), tenant));
  expect(claims.amr).toEqual(['pwd', 'swk', 'mfa']);
});

test('the set-up shows recovery codes once: a passkey person can log in with one instead', async () => {
  const { tenant, enrolled } = await passkeyTenant();
  expect(enrolled.recoveryCodes).toHaveLength(6);
  const login = await passwordStep(poort, tenant);
  const done = await postCode(poort, login, enrolled.recoveryCodes[0] ?? '', 'recovery');
  const claims = await idTokenOf(login, callbackOf(done, tenant));
  expect(claims.amr).toEqual(['pwd', 'rc', 'mfa']);
});

test('an assertion that logged in once is refused on the next login (its challenge is spent)', async () => {
  const { tenant, authenticator } = await passkeyTenant();
  const first = await passwordStep(poort, tenant);
  const answer = answerOn(first.step, authenticator);
  await idTokenOf(first, callbackOf(await postCode(poort, first, answer), tenant));

  const second = await passwordStep(poort, tenant);
  const replayed = await postCode(poort, second, answer);
  expect([isCodePage(replayed), codeMessage(replayed)]).toEqual([true, 'invalid']);
});

test('a challenge answered twice: the second assertion over it is refused, though freshly signed', async () => {
  const { tenant, authenticator } = await passkeyTenant();
  const login = await passwordStep(poort, tenant);
  const options = signInOptions(login.step);
  if (!options) throw new Error('no options');
  const wrongFirst = await postCode(poort, login, JSON.stringify(authenticator.authenticate(options, { origin: 'https://evil.example' })));
  expect(codeMessage(wrongFirst)).toBe('invalid');
  // Signed again over the same challenge, now for the right origin: the challenge was spent by the first answer.
  const again = await postCode(poort, login, JSON.stringify(authenticator.authenticate(options)));
  expect([isCodePage(again), codeMessage(again)]).toEqual([true, 'invalid']);
});

test('20 parallel submissions of one assertion: exactly one continues the login', async () => {
  const { tenant, authenticator } = await passkeyTenant();
  const login = await passwordStep(poort, tenant);
  const answer = answerOn(login.step, authenticator);
  const back = `${poort.issuer}/interaction/${login.uid}`;
  const posted = await Promise.all(Array.from({ length: 20 }, () =>
    login.agent.request(`${login.base}/second-factor`, { form: { csrf: login.csrf, kind: 'code', code: answer } })));
  // The winner leads on to the RP; the others back to the code page (or, once the interaction is finished, a 400).
  expect(posted.filter((page) => page.status === 303 && page.location !== back)).toHaveLength(1);
});

test('20 parallel checks of one assertion by the service: exactly one is accepted', async () => {
  const { tenant, authenticator } = await passkeyTenant();
  const login = await passwordStep(poort, tenant);
  const answer = answerOn(login.step, authenticator);
  const verdicts = await Promise.all(Array.from({ length: 20 }, (_, index) =>
    poort.container.secondFactors.verify(tenant.accountId, 'code', answer, `127.0.1.${index}`, { kind: 'login', id: login.uid })));
  expect(verdicts.filter((verdict) => verdict.ok)).toHaveLength(1);
});

test('an assertion made for another origin is refused, and the person can still use the passkey on a new challenge', async () => {
  const { tenant, authenticator } = await passkeyTenant();
  const login = await passwordStep(poort, tenant);
  const phished = await postCode(poort, login, answerOn(login.step, authenticator, { origin: `http://evil.localhost:${new URL(poort.issuer).port}` }));
  expect(codeMessage(phished)).toBe('invalid');
  const done = await postCode(poort, login, answerOn(phished, authenticator));
  const claims = await idTokenOf(login, callbackOf(done, tenant));
  expect(claims.amr).toEqual(['pwd', 'hwk', 'mfa']);
});

test('a challenge made for one login is refused at another login of the same account', async () => {
  const { tenant, authenticator } = await passkeyTenant();
  const one = await passwordStep(poort, tenant);
  const other = await passwordStep(poort, tenant);
  const refused = await postCode(poort, other, answerOn(one.step, authenticator));
  expect(codeMessage(refused)).toBe('invalid');
});

test('a challenge made for another account is refused, even signed by a passkey of this account', async () => {
  const mine = await passkeyTenant();
  const theirs = await passkeyTenant();
  const theirLogin = await passwordStep(poort, theirs.tenant);
  const myLogin = await passwordStep(poort, mine.tenant);
  const options = signInOptions(theirLogin.step);
  const myOptions = signInOptions(myLogin.step);
  if (!options || !myOptions) throw new Error('no options');
  const forged = mine.authenticator.authenticate({ ...myOptions, challenge: options.challenge });
  const refused = await postCode(poort, myLogin, JSON.stringify(forged));
  expect(codeMessage(refused)).toBe('invalid');
});

test('a counter that goes back is refused as a possible clone, and audited', async () => {
  const { tenant, authenticator } = await passkeyTenant();
  const first = await passwordStep(poort, tenant);
  await idTokenOf(first, callbackOf(await postCode(poort, first, answerOn(first.step, authenticator)), tenant));
  const second = await passwordStep(poort, tenant);
  const cloned = await postCode(poort, second, answerOn(second.step, authenticator, { counter: 1 }));
  expect(codeMessage(cloned)).toBe('invalid');
  expect(await auditEvents(poort, tenant.accountId, 'two_factor.passkey_clone_suspected')).toHaveLength(1);
});

test.each([
  ['not JSON', '{not json'],
  ['a JSON array', '[1,2,3]'],
  ['a credential of nobody', JSON.stringify({ id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: {} })],
  ['a six-digit code', '123456'],
  ['16 kB of JSON', JSON.stringify({ id: 'x', rawId: 'x', type: 'public-key', response: { pad: 'a'.repeat(16_000) } })],
])('%s in the code field is a wrong code, on the same page', async (_label, code) => {
  const { tenant } = await passkeyTenant();
  const login = await passwordStep(poort, tenant);
  const page = await postCode(poort, login, code);
  expect([page.status, isCodePage(page), codeMessage(page)]).toEqual([200, true, 'invalid']);
});

test('each view of the page makes a new challenge; the one shown last works', async () => {
  const { tenant, authenticator } = await passkeyTenant();
  const login = await passwordStep(poort, tenant);
  const again = await reload(login);
  expect(signInOptions(again)?.challenge).not.toBe(signInOptions(login.step)?.challenge);
  const claims = await idTokenOf(login, callbackOf(await postCode(poort, login, answerOn(again, authenticator)), tenant));
  expect(claims.acr).toBe(ACR.multiFactor);
});

test('a reset removes the passkeys: the next login asks no code, and the old passkey proves nothing', async () => {
  const { tenant, authenticator } = await passkeyTenant();
  const login = await passwordStep(poort, tenant);
  const answer = answerOn(login.step, authenticator);
  await poort.container.resetTwoFactor(tenant.accountId, { kind: 'operator' });
  expect(await poort.container.models.SecondFactor.countDocuments({ _id: tenant.accountId })).toBe(0);
  const next = await passwordStep(poort, tenant);
  const claims = await idTokenOf(next, callbackOf(next.step, tenant));
  expect(claims.amr).toEqual(['pwd']);
  // The assertion made before the reset has no passkey left to match.
  const verdict = await poort.container.secondFactors.verify(tenant.accountId, 'code', answer, '127.0.0.3', { kind: 'login', id: login.uid });
  expect(verdict).toEqual({ ok: false, reason: 'invalid' });
});

test('an organisation that does not allow passkeys does not offer them; one that requires 2FA offers them at the login\'s set-up', async () => {
  const tenant = await createTenant(poort);
  await setPolicy(poort, tenant.organisationId, { twoFactor: 'required' });
  const without = await passwordStep(poort, tenant);
  expect(without.step.body).not.toContain('value="passkey"');

  await allowPasskeys(poort, tenant.organisationId, { twoFactor: 'required' });
  const login = await passwordStep(poort, tenant);
  expect(login.step.body).toContain('id="method-passkey"');
  const setup = await login.agent.follow(`${login.base}/enrol/start`, poort.issuer, { form: { csrf: login.csrf, method: 'passkey', passkeyName: 'Phone' } });
  const authenticator = authenticatorFor(poort);
  const options = createOptions(setup);
  if (!options) throw new Error(`no set-up options: ${setup.body.slice(0, 300)}`);
  expect(options.rp.id).toBe('localhost');
  const codes = await login.agent.follow(`${login.base}/enrol/verify`, poort.issuer, { form: { csrf: login.csrf, code: JSON.stringify(authenticator.register(options)) } });
  expect(codes.body).toMatch(/[0-9A-Z]{5}-[0-9A-Z]{5}/);
  const done = await login.agent.follow(`${login.base}/enrol/done`, poort.issuer, { form: { csrf: login.csrf } });
  const claims = await idTokenOf(login, callbackOf(done, tenant));
  expect(claims.amr).toEqual(['pwd', 'hwk', 'mfa']);
  const stored = await poort.container.models.SecondFactor.findById(tenant.accountId).lean().exec();
  expect(stored?.passkeys?.map((passkey) => passkey.name)).toEqual(['Phone']);
});
