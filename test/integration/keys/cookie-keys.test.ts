/**
 * COOKIE_KEYS rotation: a session cookie signed under the old key keeps working after the operator prepends a new key
 * and restarts (`new,old`), and stops working once the old key is removed.
 */
import { Agent } from '../../support/browser.ts';
import { testDatabaseUri } from '../../support/database.ts';
import { createTenant, freePort, startPoort, type Tenant } from '../../support/poort.ts';
import { authorizationRequest, discover, login } from '../../support/rp.ts';
import { authorizeAgain } from '../../support/two-factor.ts';

const MONGODB_URI = testDatabaseUri(import.meta.url);
const OLD = 'old-cookie-key-0123456789-0123456789-abcdef';
const NEW = 'new-cookie-key-0123456789-0123456789-abcdef';

/** True when a new authorization request on this browser goes straight back to the RP: its session cookie counts. */
type SessionCheck = (agent: Agent) => Promise<boolean>;

let tenant: Tenant;
/** Logged in under the old key; used again after the new key was prepended. */
const rotated = new Agent();
/** Logged in under the old key; not used again until the old key is gone. */
const untouched = new Agent();
let withBoth: boolean;
let afterRemoval: boolean;

beforeAll(async () => {
  const port = String(await freePort());
  const env = (keys: string) => ({ MONGODB_URI, PORT: port, ISSUER: `http://127.0.0.1:${port}`, COOKIE_KEYS: keys });
  const run = async (keys: string, step: (poort: Awaited<ReturnType<typeof startPoort>>, check: SessionCheck) => Promise<void>): Promise<void> => {
    const poort = await startPoort('cookie-keys', env(keys));
    try {
      await step(poort, async (agent) => (await authorizeAgain(poort, tenant, agent)).page.location?.startsWith(tenant.redirectUri) ?? false);
    } finally {
      await poort.close();
    }
  };

  await run(OLD, async (poort) => {
    tenant = await createTenant(poort);
    const config = await discover(poort.issuer, tenant);
    for (const agent of [rotated, untouched]) await login(agent, poort.issuer, await authorizationRequest(config, tenant.redirectUri), tenant.email, tenant.password);
  });
  await run(`${NEW},${OLD}`, async (_poort, check) => {
    withBoth = await check(rotated);
  });
  await run(NEW, async (_poort, check) => {
    afterRemoval = await check(untouched);
  });
}, 90_000);

test('with the new key prepended, a session cookie signed under the old key still logs in', () => {
  expect(withBoth).toBe(true);
});

test('once the old key is removed, a cookie signed only under it no longer counts', () => {
  expect(afterRemoval).toBe(false);
});
