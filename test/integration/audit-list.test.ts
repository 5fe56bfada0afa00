/**
 * The audit log's list (the admin API's GET /audit-events): one organisation's events, newest first, filtered by
 * account (as actor or target), type and time, paged with an opaque cursor that never repeats or skips an event —
 * also for events written in the same millisecond. Inside a request every event carries the request's id.
 */
import mongoose from 'mongoose';
import { AuditCursorError, createAudit, type Audit } from '../../src/accounts/audit.ts';
import { auditEventModel } from '../../src/db/models/audit-event.ts';
import { createLogger } from '../../src/log.ts';
import { createRequestContext } from '../../src/request-context.ts';
import { testDatabaseUri } from '../support/database.ts';

let connection: mongoose.Connection;
let audit: Audit;
const requests = createRequestContext();
let clock = new Date('2026-11-01T09:00:00Z');

beforeAll(async () => {
  connection = await mongoose.createConnection(testDatabaseUri('audit-list')).asPromise();
  audit = createAudit({ model: auditEventModel(connection), logger: createLogger('silent'), now: () => clock, requestId: () => requests.current()?.requestId });
  // 25 events of org-a at 5 distinct times (5 per millisecond), alternating accounts; 3 of org-b.
  for (let i = 0; i < 25; i += 1) {
    clock = new Date(Date.UTC(2026, 10, 1, 9, Math.floor(i / 5)));
    await audit.record({ type: i % 2 === 0 ? 'login.password' : 'login.failed', organisationId: 'org-a', actorId: i % 3 === 0 ? 'acc-1' : undefined, targetId: i % 3 === 1 ? 'acc-1' : 'acc-2' });
  }
  for (let i = 0; i < 3; i += 1) await audit.record({ type: 'login.password', organisationId: 'org-b', targetId: 'acc-1' });
});
afterAll(async () => {
  await connection.close();
});

async function all(query: Omit<Parameters<Audit['list']>[0], 'cursor'>): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await audit.list({ ...query, cursor });
    seen.push(...page.events.map((event) => event._id));
    cursor = page.nextCursor;
  } while (cursor);
  return seen;
}

test('pages of 4 walk all 25 events of the organisation once each, newest first', async () => {
  const paged = await all({ organisationId: 'org-a', limit: 4 });
  const whole = (await audit.list({ organisationId: 'org-a', limit: 100 })).events;
  expect(paged).toEqual(whole.map((event) => event._id));
  expect(new Set(paged).size).toBe(25);
  const times = whole.map((event) => event.at.getTime());
  expect(times).toEqual([...times].sort((a, b) => b - a));
});

test('the last page has no next cursor', async () => {
  expect((await audit.list({ organisationId: 'org-a', limit: 25 })).nextCursor).toBeUndefined();
});

test('filters: account as actor or target, type, and a time range (from inclusive, to exclusive)', async () => {
  const byAccount = await audit.list({ organisationId: 'org-a', accountId: 'acc-1', limit: 100 });
  expect(byAccount.events).toHaveLength(17);
  const failed = await audit.list({ organisationId: 'org-a', type: 'login.failed', limit: 100 });
  expect(failed.events).toHaveLength(12);
  const minute = await audit.list({ organisationId: 'org-a', from: new Date('2026-11-01T09:01:00Z'), to: new Date('2026-11-01T09:02:00Z'), limit: 100 });
  expect(minute.events).toHaveLength(5);
});

test('another organisation\'s events never appear', async () => {
  expect(await all({ organisationId: 'org-b', limit: 2 })).toHaveLength(3);
});

test('a cursor that the list did not give is refused', async () => {
  await expect(audit.list({ organisationId: 'org-a', cursor: 'bm90IGEgY3Vyc29y', limit: 4 })).rejects.toThrow(AuditCursorError);
});

test('an event written inside a request carries its request id; outside one, none', async () => {
  await requests.run({ requestId: 'req-12345678' }, () => audit.record({ type: 'probe.inside', organisationId: 'org-c' }));
  await audit.record({ type: 'probe.outside', organisationId: 'org-c' });
  const events = (await audit.list({ organisationId: 'org-c', limit: 10 })).events;
  expect(Object.fromEntries(events.map((event) => [event.type, event.requestId ?? null]))).toEqual({ 'probe.inside': 'req-12345678', 'probe.outside': null });
});
