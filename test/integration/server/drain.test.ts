/**
 * A graceful stop under load (what SIGTERM runs, see src/main.ts): every request that reached Poort before the stop
 * gets its whole answer, marked `Connection: close` so its keep-alive connection is not used again; new connections
 * are refused; a request that never finishes is cut after SHUTDOWN_GRACE, so the stop is bounded.
 */
import { connect } from 'node:net';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { openLogin, type OpenLogin } from '../../support/security.ts';

const FLOWS = 8;

/** Resolves once `poort` has received `count` more requests. */
function received(poort: TestPoort, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onRequest = (): void => {
      seen += 1;
      if (seen < count) return;
      poort.server.off('request', onRequest);
      resolve();
    };
    poort.server.on('request', onRequest);
  });
}

/** Whether a new TCP connection to the port is accepted. */
function probe(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

describe(`${FLOWS} login flows in flight over keep-alive connections`, () => {
  let poort: TestPoort;
  // One person per flow: parallel logins of one person would meet its password throttle instead.
  let tenants: Tenant[];

  beforeAll(async () => {
    poort = await startPoort('server-drain');
    tenants = await Promise.all(Array.from({ length: FLOWS }, () => createTenant(poort)));
  });
  afterAll(async () => {
    await poort.close();
  });

  test('each password step received before the stop is answered in full, with Connection: close; new connections are refused', async () => {
    // Each flow has its login page open, so its connection is an idle keep-alive one when the password is sent.
    const logins: OpenLogin[] = await Promise.all(tenants.map((tenant) => openLogin(poort, tenant)));
    const arrived = received(poort, FLOWS);
    const answers = logins.map((login, index) => login.agent.request(`${login.base}/login`, {
      form: { csrf: login.csrf, email: tenants[index]?.email ?? '', password: tenants[index]?.password ?? '' },
    }));
    await arrived;
    // All eight are being worked on (each waits for its password hash) when the stop begins.
    const stopped = poort.close();

    const pages = await Promise.all(answers);
    expect(pages.map((page) => page.status)).toEqual(Array.from({ length: FLOWS }, () => 303));
    expect(pages.map((page) => page.headers.get('connection'))).toEqual(Array.from({ length: FLOWS }, () => 'close'));
    // Each password was accepted: the login resumes at the authorization endpoint.
    for (const [index, page] of pages.entries()) expect(page.location).toContain(`/auth/${logins[index]?.uid}`);

    expect(await probe(Number(new URL(poort.address).port))).toBe('ECONNREFUSED');
    await stopped;
  });
});

describe('a request that never finishes', () => {
  let poort: TestPoort;

  beforeAll(async () => {
    poort = await startPoort('server-drain-grace', { SHUTDOWN_GRACE: '1s' });
  });
  afterAll(async () => {
    await poort.close();
  });

  test('is cut after SHUTDOWN_GRACE, and the stop completes', async () => {
    // A token request whose body never arrives in full: the endpoint waits for the rest.
    const socket = connect(Number(new URL(poort.address).port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const cut = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const arrived = received(poort, 1);
    socket.write('POST /token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=');
    await arrived;

    const started = Date.now();
    await poort.close();
    await cut;
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(10_000);
  });
});
