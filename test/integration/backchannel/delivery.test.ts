/**
 * How a logout token is delivered: a platform that answers 500 twice gets it on the third POST; one that always
 * fails ends in one audit event and one log line (neither holds the token); a POST that times out is tried again;
 * the retries wait growing delays (the wait and each POST's timeout are injected: nothing here sleeps).
 */
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/log.ts';
import { Agent } from '../../support/browser.ts';
import { auditEvents } from '../../support/account.ts';
import { backchannelTenant, startLogoutReceiver, type Answer, type LogoutReceiver } from '../../support/logout-receiver.ts';
import { startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, discover, exchange, login } from '../../support/rp.ts';

let poort: TestPoort;
const receivers: LogoutReceiver[] = [];
const waits: number[] = [];
/** Each POST's signal, in order: a test aborts one to play its timeout. */
const posts: AbortController[] = [];
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  poort = await startPoort('bcl-delivery', {}, {
    logger: createLogger('warn', sink),
    backchannelLogout: {
      wait: async (ms) => {
        waits.push(ms);
      },
      abortAfter: () => {
        const post = new AbortController();
        posts.push(post);
        return post.signal;
      },
    },
  });
});
afterAll(async () => {
  await poort.close();
  for (const receiver of receivers) await receiver.close();
});

/** A platform answering as told, its person logged in through it once; answers both. */
async function loggedInPlatform(answer: Answer): Promise<{ tenant: Tenant; receiver: LogoutReceiver }> {
  const receiver = await startLogoutReceiver(answer);
  receivers.push(receiver);
  const tenant = await backchannelTenant(poort, receiver.url);
  const config = await discover(poort.issuer, tenant);
  const request = await authorizationRequest(config, tenant.redirectUri);
  await exchange(config, await login(new Agent(), poort.issuer, request, tenant.email, tenant.password), request);
  return { tenant, receiver };
}

/** Ends the person's sessions and waits until Poort is done delivering. */
async function endAndSettle(tenant: Tenant): Promise<void> {
  await poort.container.endSessions(tenant.accountId);
  await poort.container.backchannelLogout.settle();
}

test('a platform that answers 500 twice gets the token on the third POST, and no failure is recorded', async () => {
  const { tenant, receiver } = await loggedInPlatform((n) => (n <= 2 ? 500 : 200));
  await endAndSettle(tenant);
  const failures = await auditEvents(poort, tenant.accountId, 'logout.backchannel_failed');
  expect({ posts: receiver.requests, sameToken: new Set(receiver.tokens).size, failures: failures.length }).toEqual({ posts: 3, sameToken: 1, failures: 0 });
});

test('a platform that always fails gets three POSTs, then one audit event names the client and the reason', async () => {
  const { tenant, receiver } = await loggedInPlatform(() => 503);
  await endAndSettle(tenant);
  const failures = await auditEvents(poort, tenant.accountId, 'logout.backchannel_failed');
  expect({ posts: receiver.requests, events: failures.map((e) => ({ organisationId: e.organisationId, targetId: e.targetId, data: e.data })) }).toEqual({
    posts: 3,
    events: [{ organisationId: tenant.organisationId, targetId: tenant.accountId, data: { clientId: tenant.clientId, attempts: 3, reason: 'status 503' } }],
  });
});

test('the final failure is logged once, without the logout token', async () => {
  const { tenant, receiver } = await loggedInPlatform(() => 500);
  await endAndSettle(tenant);
  const lines = logLines.filter((line) => line.clientId === tenant.clientId && line.msg === 'back-channel logout failed');
  const [token = ''] = receiver.tokens;
  expect({ lines: lines.length, holdsToken: JSON.stringify(lines).includes(token.split('.')[1] ?? token) }).toEqual({ lines: 1, holdsToken: false });
});

test('a POST that times out is tried again', async () => {
  const { tenant, receiver } = await loggedInPlatform((n) => (n === 1 ? 'hold' : 200));
  await poort.container.endSessions(tenant.accountId);
  await receiver.token(1);
  // The first POST's timeout expires (its signal aborts) while the platform still holds it.
  posts.at(-1)?.abort(new DOMException('timed out', 'TimeoutError'));
  await receiver.answer(1);
  await poort.container.backchannelLogout.settle();
  const failures = await auditEvents(poort, tenant.accountId, 'logout.backchannel_failed');
  expect({ posts: receiver.requests, answered: receiver.answered, failures: failures.length }).toEqual({ posts: 2, answered: 1, failures: 0 });
});

test('the retries wait growing delays: 1 s, then 5 s', async () => {
  const { tenant } = await loggedInPlatform(() => 500);
  waits.length = 0;
  await endAndSettle(tenant);
  expect(waits).toEqual([1000, 5000]);
});
