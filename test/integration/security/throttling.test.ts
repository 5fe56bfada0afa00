/**
 * Password throttling as an attacker meets it: parallel guesses do not slip past the limit, sequential guesses run
 * into the throttled message, the message reveals nothing about the account, and the audit log records it all
 * without the passwords.
 */
import { FREE_ATTEMPTS, delaySeconds } from '../../../src/auth/throttle.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { attempt, openLogin, pageAfter, postLogin, verdictOf, withoutCsrf } from '../../support/security.ts';

let poort: TestPoort;

beforeAll(async () => {
  poort = await startPoort('security-throttling');
});
afterAll(async () => {
  await poort.close();
});

const WRONG = 'Not the password 1!';

test('20 parallel wrong passwords: at most FREE_ATTEMPTS + 1 are checked, the rest are throttled, and so is the right password', async () => {
  const tenant = await createTenant(poort);
  const logins = await Promise.all(Array.from({ length: 20 }, () => openLogin(poort, tenant)));

  const posted = await Promise.all(logins.map((login) => postLogin(login, tenant.email, `${WRONG}${Math.random()}`)));
  expect(posted.map((p) => p.status)).toEqual(Array(20).fill(303));
  const verdicts = await Promise.all(logins.map(async (login, i) => verdictOf((await pageAfter(login, posted[i]!)).body)));
  const failed = verdicts.filter((v) => v === 'failed').length;
  expect(failed).toBeGreaterThanOrEqual(FREE_ATTEMPTS);
  expect(failed).toBeLessThanOrEqual(FREE_ATTEMPTS + 1);
  expect(verdicts.filter((v) => v === 'throttled')).toHaveLength(20 - failed);

  // A patient guesser waits out the delay (here: its record is expired in the database instead of waiting), spends
  // one more wrong guess, which sets a longer delay; inside it even the right password is not checked.
  await poort.container.db.collection('throttle_password_gate').updateOne(
    { key: `${tenant.organisationId}:${tenant.email}` },
    { $set: { expire: new Date(Date.now() - 1000) } },
  );
  const login = await openLogin(poort, tenant);
  expect((await attempt(login, tenant.email, `${WRONG}late`)).verdict).toBe('failed');
  expect(delaySeconds(FREE_ATTEMPTS + 2)).toBeGreaterThan(delaySeconds(FREE_ATTEMPTS + 1));
  const right = await attempt(login, tenant.email, tenant.password);
  expect(right.callback).toBeUndefined();
  expect(right.verdict).toBe('throttled');
});

/** FREE_ATTEMPTS + 1 wrong passwords in a row, then `next` straight after; the verdict and page of each attempt. */
async function sequence(tenant: Tenant, email: string, next: string[]): Promise<{ verdicts: string[]; pages: string[] }> {
  const login = await openLogin(poort, tenant);
  const verdicts: string[] = [];
  const pages: string[] = [];
  for (const password of [...Array.from({ length: FREE_ATTEMPTS + 1 }, (_, i) => `${WRONG}${i}`), ...next]) {
    const result = await attempt(login, email, password);
    verdicts.push(result.verdict);
    // The page as it would look for any e-mail and interaction: the typed address stays in the field.
    pages.push(withoutCsrf(result.page.body).replaceAll(`value="${email}"`, 'value="EMAIL"').replaceAll(login.uid, 'UID'));
  }
  return { verdicts, pages };
}

test('sequential wrong passwords meet the throttled message, the same for a known and an unknown e-mail, and audited without secrets', async () => {
  const tenant = await createTenant(poort);
  const unknown = `nobody-${Date.now()}@example.org`;
  // FREE_ATTEMPTS failures cost nothing; the next one passes the gate and sets the delay; during the delay even
  // the right password is answered with the throttled message (it is not even checked).
  const known = await sequence(tenant, tenant.email, [tenant.password, `${WRONG}late`]);
  const stranger = await sequence(tenant, unknown, [`${WRONG}late`]);

  const failed = Array(FREE_ATTEMPTS + 1).fill('failed');
  expect(known.verdicts).toEqual([...failed, 'throttled', 'throttled']);
  expect(stranger.verdicts).toEqual([...failed, 'throttled']);
  expect(stranger.pages.at(-1)).toBe(known.pages.at(-1));
  expect(stranger.pages[0]).toBe(known.pages[0]);

  const events = await poort.container.models.AuditEvent.find({ organisationId: tenant.organisationId }).lean().exec();
  const types = events.map((e) => e.type);
  expect(types.filter((t) => t === 'login.failed')).toHaveLength(2 * (FREE_ATTEMPTS + 1));
  expect(types.filter((t) => t === 'login.throttled')).toHaveLength(3);
  expect(types).not.toContain('login.password');
  expect(events.filter((e) => e.type === 'login.failed' && e.targetId === tenant.accountId)).toHaveLength(FREE_ATTEMPTS + 1);
  const stored = JSON.stringify(events);
  expect(stored).not.toContain(WRONG);
  expect(stored).not.toContain(tenant.password);
});
