/**
 * ENCRYPTION_KEYS rotation while people keep logging in: start on a single ENCRYPTION_KEY, add a new key in front,
 * reseal (20 at once, and again through the CLI), then remove the old key. The authenticator app and a recovery code
 * issued before the rotation keep working throughout.
 */
import { randomBytes } from 'node:crypto';
import { resealAll, type ResealCounts } from '../../../src/auth/reseal.ts';
import { cliFor, ok } from '../../support/cli.ts';
import { createClock } from '../../support/clock.ts';
import { testDatabaseUri } from '../../support/database.ts';
import { createTenant, freePort, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { enrolTotp, loginWithCode, totpNow, type Enrolled } from '../../support/two-factor.ts';

const MONGODB_URI = testDatabaseUri(import.meta.url);
const OLD = randomBytes(32).toString('base64');
const NEW = randomBytes(32).toString('base64');
const BOTH = `k2:${NEW},default:${OLD}`;
const PEOPLE = 5;
const clock = createClock();
const cli = cliFor(MONGODB_URI);

interface Person { tenant: Tenant; enrolled: Enrolled }
let people: Person[];
const outcome: Record<string, unknown> = {};

/** A TOTP login at a later time step (a step is accepted once); answers the ID token's amr. */
async function appLogin(poort: TestPoort, person: Person): Promise<unknown> {
  clock.advance(30);
  return (await loginWithCode(poort, person.tenant, () => totpNow(poort, person.enrolled.secret))).claims.amr;
}

/** Every sealed value of the database: its kid, and whether the running Poort opens it. */
async function sealedValues(poort: TestPoort): Promise<Array<{ kid: string | undefined; opens: boolean }>> {
  const { db, box } = poort.container;
  const factors = await db.collection<{ _id: string; totpSecret: string }>('second_factors').find({ totpSecret: { $type: 'string' } }).toArray();
  const macKey = await db.collection<{ _id: string; sealed: string }>('secret_keys').findOne({ _id: 'mac' });
  const opens = (sealed: string, context: string): boolean => {
    try {
      return box.open(sealed, context).length > 0;
    } catch {
      return false;
    }
  };
  return [
    ...factors.map((f) => ({ kid: box.kidOf(f.totpSecret), opens: opens(f.totpSecret, `totp:${f._id}`) })),
    ...(macKey ? [{ kid: box.kidOf(macKey.sealed), opens: opens(macKey.sealed, 'secret-key:mac') }] : []),
  ];
}

beforeAll(async () => {
  const port = String(await freePort());
  const start = (keys: Record<string, string>) => startPoort('encryption-keys', { MONGODB_URI, PORT: port, ISSUER: `http://127.0.0.1:${port}`, ...keys }, { now: clock.now });

  // 1. A single ENCRYPTION_KEY: people set up their app and get recovery codes.
  const first = await start({ ENCRYPTION_KEY: OLD });
  try {
    people = [];
    for (let i = 0; i < PEOPLE; i += 1) {
      const tenant = await createTenant(first);
      people.push({ tenant, enrolled: await enrolTotp(first, tenant) });
    }
  } finally {
    await first.close();
  }

  // 2. The new key in front, the old one behind it; then reseal, twenty at once.
  const second = await start({ ENCRYPTION_KEYS: BOTH });
  try {
    outcome.loginWithBoth = await appLogin(second, people[0] as Person);
    const runs = await Promise.all(Array.from({ length: 20 }, () => resealAll(second.container.db, second.container.box)));
    outcome.resealedTotal = runs.reduce((sum, run) => sum + Object.values(run).reduce((n, c: ResealCounts) => n + c.resealed, 0), 0);
    outcome.afterReseal = await sealedValues(second);
    outcome.cliAgain = ok(await cli(['secrets', 'reseal'], { ENCRYPTION_KEYS: BOTH }));
  } finally {
    await second.close();
  }

  // 3. The old key removed.
  const third = await start({ ENCRYPTION_KEYS: `k2:${NEW}` });
  try {
    outcome.loginNewOnly = await appLogin(third, people[1] as Person);
    const person = people[2] as Person;
    outcome.recoveryNewOnly = (await loginWithCode(third, person.tenant, () => person.enrolled.recoveryCodes[0] ?? '', { kind: 'recovery' })).claims.amr;
  } finally {
    await third.close();
  }
}, 180_000);

test('with a new key in front, the app code set up under the old key is accepted', () => {
  expect(outcome.loginWithBoth).toContain('otp');
});

test('twenty reseals at once reseal each value once (every app key and the MAC key)', () => {
  expect(outcome.resealedTotal).toBe(PEOPLE + 1);
});

test('after the reseal every value is under the new key and opens', () => {
  expect(outcome.afterReseal).toEqual(Array.from({ length: PEOPLE + 1 }, () => ({ kid: 'k2', opens: true })));
});

test('`secrets reseal` again finds nothing to do and prints the counts per collection', () => {
  const current = (n: number) => ({ resealed: 0, current: n, changed: 0, unreadable: 0 });
  expect(outcome.cliAgain).toEqual({
    sealingKey: 'k2',
    collections: { second_factors: current(PEOPLE), enrolments: current(0), account_flows: current(0), secret_keys: current(1) },
  });
});

test('with the old key removed, the app code is still accepted', () => {
  expect(outcome.loginNewOnly).toContain('otp');
});

test('with the old key removed, a recovery code issued before the rotation still works', () => {
  expect(outcome.recoveryNewOnly).toContain('rc');
});
