/**
 * Behind proxies (TRUST_PROXY=true), the client address that per-IP throttles count is the X-Forwarded-For entry
 * written by the outermost trusted proxy: TRUST_PROXY_HOPS entries from the right. Whatever a client puts further
 * left is its own writing and must not move the counters (an appending proxy forwards `<client's header>, <client>`).
 */
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { openLogin } from '../../support/security.ts';

interface IpCounter { key: string; points: number }

async function ipCounters(poort: TestPoort): Promise<IpCounter[]> {
  const rows = await poort.container.db.collection<IpCounter>('throttle_password_ip').find({}, { projection: { _id: 0, key: 1, points: 1 } }).toArray();
  return rows.map(({ key, points }) => ({ key, points })).sort((a, b) => a.key.localeCompare(b.key));
}

/** Three wrong passwords, each forwarded with `forwardedFor(i)` as X-Forwarded-For. */
async function wrongPasswords(poort: TestPoort, tenant: Tenant, forwardedFor: (i: number) => string): Promise<void> {
  for (let i = 0; i < 3; i += 1) {
    const login = await openLogin(poort, tenant);
    const posted = await login.agent.request(`${login.base}/login`, {
      form: { csrf: login.csrf, email: tenant.email, password: `Wrong password ${i}!` },
      headers: { 'x-forwarded-for': forwardedFor(i) },
    });
    expect(posted.status).toBe(303);
  }
}

const spoofed = (i: number): string => `198.51.100.${10 + i}`;

describe('one trusted proxy (the default)', () => {
  let poort: TestPoort;
  beforeAll(async () => {
    poort = await startPoort('proxy-client-address-1', { TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    await poort.close();
  });

  test('a spoofed left-most X-Forwarded-For entry does not move the per-IP counter: the proxy-written address does', async () => {
    const tenant = await createTenant(poort);
    await wrongPasswords(poort, tenant, (i) => `${spoofed(i)}, 10.1.1.7`);
    expect(await ipCounters(poort)).toEqual([{ key: '10.1.1.7', points: 3 }]);
  });
});

describe('TRUST_PROXY_HOPS=2 (a CDN in front of a load balancer)', () => {
  let poort: TestPoort;
  beforeAll(async () => {
    poort = await startPoort('proxy-client-address-2', { TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '2' });
  });
  afterAll(async () => {
    await poort.close();
  });

  test('the client address is the second entry from the right; spoofed entries left of it do not count', async () => {
    const tenant = await createTenant(poort);
    await wrongPasswords(poort, tenant, (i) => `${spoofed(i)}, 203.0.113.9, 10.0.0.2`);
    expect(await ipCounters(poort)).toEqual([{ key: '203.0.113.9', points: 3 }]);
  });
});

describe('without TRUST_PROXY', () => {
  let poort: TestPoort;
  beforeAll(async () => {
    poort = await startPoort('proxy-client-address-0');
  });
  afterAll(async () => {
    await poort.close();
  });

  test('X-Forwarded-For is not believed at all: the socket address counts', async () => {
    const tenant = await createTenant(poort);
    await wrongPasswords(poort, tenant, (i) => `${spoofed(i)}, 10.1.1.7`);
    const counters = await ipCounters(poort);
    expect(counters).toHaveLength(1);
    expect(counters[0]?.key).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
    expect(counters[0]?.points).toBe(3);
  });
});
