/**
 * New recovery codes on the account page (DESIGN §5: password, no code): the new set is shown once, the old set
 * stops working at once, the new codes log in, and the person gets a notice.
 */
import { ACCOUNT, accountPage, alerts, auditEvents, isAccountPage, message, notes, notices, postAccount, shownCodes } from '../../support/account.ts';
import { createClock } from '../../support/clock.ts';
import { createTenant, startPoort, type TestPoort } from '../../support/poort.ts';
import { callbackOf, codeMessage, enrolTotp, idTokenOf, loginWithCode, passwordStep, postCode, totpNow } from '../../support/two-factor.ts';

let poort: TestPoort;
const clock = createClock();

beforeAll(async () => {
  poort = await startPoort('account-recovery-codes', {}, { now: clock.now });
});
afterAll(async () => {
  await poort.close();
});

test('new recovery codes: wrong password refused; the right one shows a new set once; old codes fail, new ones work', async () => {
  const tenant = await createTenant(poort);
  const { secret, recoveryCodes: oldCodes } = await enrolTotp(poort, tenant);
  const { login } = await loginWithCode(poort, tenant, () => totpNow(poort, secret));
  const agent = login.agent;
  const page = await accountPage(poort, agent);
  expect(page.body).toContain(`action="${ACCOUNT}/recovery-codes"`);

  const wrong = await postAccount(poort, agent, page, '/recovery-codes', { password: 'Not my password!' });
  expect(isAccountPage(wrong)).toBe(true);
  expect(alerts(wrong)).toEqual([message('account.passwordIncorrect')]);
  expect(shownCodes(wrong)).toEqual([]);
  expect(notices(poort, tenant.email, 'recoveryCodesRenewed')).toHaveLength(0);
  const empty = await postAccount(poort, agent, page, '/recovery-codes', {});
  expect(alerts(empty)).toEqual([message('account.passwordIncorrect')]);

  const shown = await postAccount(poort, agent, page, '/recovery-codes', { password: tenant.password });
  expect(shown.url).toBe(`${poort.issuer}${ACCOUNT}/recovery-codes`);
  const newCodes = shownCodes(shown);
  expect(newCodes).toHaveLength(6);
  expect(newCodes.filter((code) => oldCodes.includes(code))).toEqual([]);
  expect(shown.body).toContain('download="recovery-codes.txt"');
  expect(shown.body).toContain(message('codes.print'));
  expect(notices(poort, tenant.email, 'recoveryCodesRenewed')).toHaveLength(1);
  const [event] = await auditEvents(poort, tenant.accountId, 'recovery_codes.renewed');
  expect(JSON.stringify(event)).not.toMatch(new RegExp(newCodes.map((c) => c.replace('-', '-?')).join('|')));

  const done = await postAccount(poort, agent, shown, '/recovery-codes/done');
  expect(isAccountPage(done)).toBe(true);
  expect(notes(done)).toEqual([message('account.saved.recoveryCodes')]);
  // Shown once: afterwards the address leads back to the page without codes.
  const later = await accountPage(poort, agent, '/recovery-codes');
  expect(isAccountPage(later)).toBe(true);
  expect(shownCodes(later)).toEqual([]);

  // Login with ?use=recovery: an old code is refused, a new one logs in.
  const withOld = await passwordStep(poort, tenant);
  const recoveryPage = await withOld.agent.follow(`${withOld.base}?use=recovery`, poort.issuer);
  expect(recoveryPage.body).toContain('name="kind" value="recovery"');
  expect(codeMessage(await postCode(poort, withOld, oldCodes[1] ?? '', 'recovery'))).toBe('invalid');
  const claims = await idTokenOf(withOld, callbackOf(await postCode(poort, withOld, newCodes[0] ?? '', 'recovery'), tenant));
  expect(claims.amr).toEqual(['pwd', 'rc', 'mfa']);
});

test('new recovery codes need a factor: without one the form is absent and a forged POST gets 403', async () => {
  const tenant = await createTenant(poort);
  const login = await passwordStep(poort, tenant);
  await idTokenOf(login, callbackOf(login.step, tenant));
  const page = await accountPage(poort, login.agent);
  expect(page.body).not.toContain(`action="${ACCOUNT}/recovery-codes"`);
  const csrf = /name="csrf" value="([^"]*)"/.exec(page.body)?.[1] ?? '';
  const forged = await login.agent.request(`${poort.issuer}${ACCOUNT}/recovery-codes`, { form: { csrf, password: tenant.password } });
  expect(forged.status).toBe(403);
  expect(await poort.container.models.RecoveryCode.countDocuments({ accountId: tenant.accountId })).toBe(0);
});
