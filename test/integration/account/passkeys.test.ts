/**
 * Passkeys on the account page: the code step is the passkey page; the list (names, dates); adding another with the
 * password (its set-up excludes the keys held; audit and notice); removing one with the password and a passkey or a
 * recovery code; never the last one (the form is absent, a forged POST is refused, 20 parallel removals of both
 * leave one); switching off removes them all; a person with a passkey changes the password with it.
 */
import { ACCOUNT, accountPage, alerts, auditEvents, isAccountPage, message, notes, notices, postAccount } from '../../support/account.ts';
import type { Agent, Page } from '../../support/browser.ts';
import { allowPasskeys, answerOn, authenticatorFor, createOptions, enrolPasskey, signInOptions, startPasskeyPoort, type SoftAuthenticator } from '../../support/passkey.ts';
import { createTenant, type Tenant, type TestPoort } from '../../support/poort.ts';
import { callbackOf, idTokenOf, passwordStep, postCode, setPolicy, totpNow } from '../../support/two-factor.ts';

let poort: TestPoort;

beforeAll(async () => {
  poort = await startPasskeyPoort('account-passkeys');
});
afterAll(async () => {
  await poort.close();
});

interface Person {
  tenant: Tenant;
  authenticator: SoftAuthenticator;
  agent: Agent;
  recoveryCodes: string[];
}

/** An account with one passkey ("Laptop"), logged in with it; at the account page. */
async function personWithPasskey(policy: 'optional' | 'required' = 'optional'): Promise<Person> {
  const tenant = await createTenant(poort);
  await allowPasskeys(poort, tenant.organisationId, { twoFactor: policy });
  const authenticator = authenticatorFor(poort);
  const { recoveryCodes } = await enrolPasskey(poort, tenant, authenticator, 'Laptop');
  const login = await passwordStep(poort, tenant);
  await idTokenOf(login, callbackOf(await postCode(poort, login, answerOn(login.step, authenticator)), tenant));
  return { tenant, authenticator, agent: login.agent, recoveryCodes };
}

/** Adds a passkey through the page's form: password → set-up page → the authenticator's answer. */
async function addPasskey(person: Person, page: Page, name: string, authenticator = person.authenticator): Promise<Page> {
  const setup = await postAccount(poort, person.agent, page, '/enrol/start', { method: 'passkey', passkeyName: name, password: person.tenant.password });
  const options = createOptions(setup);
  if (!options) throw new Error(`no set-up options: ${alerts(setup).join(' ')} ${setup.body.slice(0, 300)}`);
  return postAccount(poort, person.agent, setup, '/enrol/verify', { code: JSON.stringify(authenticator.register(options)) });
}

const itemIds = (page: Page): string[] => [...page.body.matchAll(/name="item"[^>]*value="([^"]+)"/g)].map((match) => match[1] ?? '');
const listed = (page: Page): string[] => [...(/<ul id="factor-items">([\s\S]*?)<\/ul>/.exec(page.body)?.[1] ?? '').matchAll(/<strong>([^<]*)<\/strong>/g)].map((match) => match[1] ?? '');
const stored = async (accountId: string): Promise<string[]> =>
  ((await poort.container.models.SecondFactor.findById(accountId).lean().exec())?.passkeys ?? []).map((passkey) => passkey.name);

test('the account page asks the passkey first when the code is due, then lists it', async () => {
  const tenant = await createTenant(poort);
  await allowPasskeys(poort, tenant.organisationId);
  const authenticator = authenticatorFor(poort);
  // A session at password level: the set-up happens after this login, so the page asks the passkey first.
  const login = await passwordStep(poort, tenant);
  await idTokenOf(login, callbackOf(login.step, tenant));
  await enrolPasskey(poort, tenant, authenticator, 'Laptop');
  const step = await accountPage(poort, login.agent);
  expect(isAccountPage(step)).toBe(false);
  expect(signInOptions(step)?.allowCredentials).toHaveLength(1);
  const posted = await login.agent.request(`${poort.issuer}${ACCOUNT}/verify`, { form: { csrf: /name="csrf" value="([^"]+)"/.exec(step.body)?.[1] ?? '', kind: 'code', code: answerOn(step, authenticator) } });
  const page = await login.agent.follow(posted.location ?? '', poort.issuer);
  expect(isAccountPage(page)).toBe(true);
  expect(listed(page)).toEqual(['Laptop']);
  expect(page.body).toContain(message('account.twoFactor.onPasskey', { count: 1 }));
});

test('adding a second passkey asks the password; its set-up excludes the one held; audit and notice say so', async () => {
  const person = await personWithPasskey();
  const page = await accountPage(poort, person.agent);
  expect(page.body).toContain('id="add-item"');
  expect(page.body).not.toContain('id="remove-item"');

  const refused = await postAccount(poort, person.agent, page, '/enrol/start', { method: 'passkey', passkeyName: 'Key', password: 'Wrong password 1!' });
  expect(alerts(refused)).toEqual([message('account.passwordIncorrect')]);

  const setup = await postAccount(poort, person.agent, page, '/enrol/start', { method: 'passkey', passkeyName: 'Key', password: person.tenant.password });
  expect(createOptions(setup)?.excludeCredentials?.map((credential) => credential.id)).toEqual(person.authenticator.credentials.map((credential) => credential.id));
  const second = authenticatorFor(poort);
  const done = await postAccount(poort, person.agent, setup, '/enrol/verify', { code: JSON.stringify(second.register(createOptions(setup)!)) });
  expect(isAccountPage(done)).toBe(true);
  expect(notes(done)).toEqual([message('account.saved.itemAdded')]);
  expect(listed(done)).toEqual(['Laptop', 'Key']);
  expect(await auditEvents(poort, person.tenant.accountId, 'two_factor.item_added')).toHaveLength(1);
  expect(notices(poort, person.tenant.email, 'twoFactorItemAdded')).toHaveLength(1);
  // Adding kept the recovery codes: none shown, the old set still there.
  expect(await poort.container.secondFactors.recoveryRemaining(person.tenant.accountId)).toBe(6);

  // Either passkey logs in now.
  const login = await passwordStep(poort, person.tenant);
  const claims = await idTokenOf(login, callbackOf(await postCode(poort, login, answerOn(login.step, second)), person.tenant));
  expect(claims.amr).toEqual(['pwd', 'hwk', 'mfa']);
});

test('removing one asks the password and a passkey (or a recovery code); the last one has no remove form', async () => {
  const person = await personWithPasskey();
  const withTwo = await addPasskey(person, await accountPage(poort, person.agent), 'Key', authenticatorFor(poort));
  const [laptop, key] = itemIds(withTwo);
  expect(itemIds(withTwo)).toHaveLength(2);

  const noCode = await postAccount(poort, person.agent, withTwo, '/items/remove', { item: key ?? '', password: person.tenant.password, code: '' });
  expect(alerts(noCode)).toEqual([message('code.invalid')]);
  const wrongPassword = await postAccount(poort, person.agent, noCode, '/items/remove', { item: key ?? '', password: 'Wrong password 1!', code: answerOn(noCode, person.authenticator) });
  expect(alerts(wrongPassword)).toEqual([message('account.passwordIncorrect')]);
  expect(await stored(person.tenant.accountId)).toEqual(['Laptop', 'Key']);

  const removed = await postAccount(poort, person.agent, wrongPassword, '/items/remove', { item: key ?? '', password: person.tenant.password, code: answerOn(wrongPassword, person.authenticator) });
  expect(notes(removed)).toEqual([message('account.saved.itemRemoved')]);
  expect(listed(removed)).toEqual(['Laptop']);
  expect(removed.body).not.toContain('id="remove-item"');
  expect(removed.body).toContain(message('account.items.last'));
  expect(await auditEvents(poort, person.tenant.accountId, 'two_factor.item_removed')).toHaveLength(1);
  expect(notices(poort, person.tenant.email, 'twoFactorItemRemoved')).toHaveLength(1);

  // A forged removal of the last one, even with a right recovery code, is refused and changes nothing.
  const forged = await postAccount(poort, person.agent, removed, '/items/remove', { item: laptop ?? '', password: person.tenant.password, code: person.recoveryCodes[0] ?? '' });
  expect(alerts(forged)).toEqual([message('account.items.notRemoved')]);
  expect(await stored(person.tenant.accountId)).toEqual(['Laptop']);
});

test('20 parallel removals of both of two passkeys: exactly one is removed, one remains', async () => {
  const person = await personWithPasskey('required');
  await enrolPasskey(poort, person.tenant, authenticatorFor(poort), 'Key');
  const ids = person.authenticator.credentials.map((credential) => credential.id);
  const all = (await poort.container.models.SecondFactor.findById(person.tenant.accountId).lean().exec())?.passkeys?.map((passkey) => passkey.id) ?? [];
  expect(all).toHaveLength(2);
  expect(all).toEqual(expect.arrayContaining(ids));
  const results = await Promise.all(Array.from({ length: 20 }, (_, index) => poort.container.secondFactors.removeItem(person.tenant.accountId, all[index % 2] ?? '')));
  expect(results.filter(Boolean)).toHaveLength(1);
  expect(await stored(person.tenant.accountId)).toHaveLength(1);
});

test('where 2FA is required there is no switch-off; where optional, switching off with the passkey removes every passkey', async () => {
  const required = await personWithPasskey('required');
  const requiredPage = await accountPage(poort, required.agent);
  expect(requiredPage.body).not.toContain(`action="${ACCOUNT}/disable"`);

  const optional = await personWithPasskey('optional');
  const page = await accountPage(poort, optional.agent);
  const off = await postAccount(poort, optional.agent, page, '/disable', { password: optional.tenant.password, code: answerOn(page, optional.authenticator) });
  expect(notes(off)).toEqual([message('account.saved.disabled')]);
  expect(await poort.container.models.SecondFactor.countDocuments({ _id: optional.tenant.accountId })).toBe(0);
});

test('changing the method from passkey to the app drops the passkeys; the app code logs in', async () => {
  const person = await personWithPasskey();
  await setPolicy(poort, person.tenant.organisationId, { allowedMethods: ['totp', 'passkey'] });
  const page = await accountPage(poort, person.agent);
  const setup = await postAccount(poort, person.agent, page, '/enrol/start', { method: 'totp', password: person.tenant.password });
  const secret = /<code[^>]*id="secret"[^>]*>([^<]+)<\/code>/.exec(setup.body)?.[1]?.replace(/\s/g, '') ?? '';
  const done = await postAccount(poort, person.agent, setup, '/enrol/verify', { code: totpNow(poort, secret) });
  expect(notes(done)).toEqual([message('account.saved.changed')]);
  const factor = await poort.container.models.SecondFactor.findById(person.tenant.accountId).lean().exec();
  expect([factor?.method, factor?.passkeys]).toEqual(['totp', undefined]);
});

test('the password is changed with the passkey as the code', async () => {
  const person = await personWithPasskey();
  const page = await accountPage(poort, person.agent);
  const changed = await postAccount(poort, person.agent, page, '/password', {
    current: person.tenant.password, code: answerOn(page, person.authenticator), password: 'A brand new passphrase 2026!', confirm: 'A brand new passphrase 2026!',
  });
  expect(notes(changed)).toEqual([message('account.saved.password')]);
});

test('the add form is absent once the organisation no longer allows passkeys; the passkey still logs in', async () => {
  const person = await personWithPasskey();
  await setPolicy(poort, person.tenant.organisationId, { allowedMethods: ['totp', 'sms'] });
  const page = await accountPage(poort, person.agent);
  expect(page.body).not.toContain('id="add-item"');
  const login = await passwordStep(poort, person.tenant);
  const claims = await idTokenOf(login, callbackOf(await postCode(poort, login, answerOn(login.step, person.authenticator)), person.tenant));
  expect(claims.amr).toEqual(['pwd', 'hwk', 'mfa']);
});
