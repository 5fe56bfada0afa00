/**
 * What a second-factor reset through the admin API does to the person reset, in an organisation that requires 2FA:
 * by a manager (of C1) and by the professional a client is linked to (P2 of C2). Their refresh token stops working,
 * their browser session is gone, the next login sends them through set-up again, the factor and the recovery codes
 * are gone, the audit log has the event (actor, role, target, address, request id, organisation) and the person gets
 * an e-mail naming the actor's role, never the actor's name. Then 20 parallel resets of one account.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { notices } from '../../support/account.ts';
import type { Page } from '../../support/browser.ts';
import { oidc, submitLogin } from '../../support/rp.ts';
import { submitAutoForm, type OpenLogin } from '../../support/security.ts';
import { hasPasswordField } from '../../support/two-factor.ts';
import {
  accessToken, auditOf, authorizeInSession, createOrg, createPerson, logIn, mfaToken, platformConfig, startAdminPoort, type AdminWorld, type ApiResponse,
  type Org, type Person,
} from '../../support/admin-api.ts';

let world: AdminWorld;
let org: Org;
const people: Record<'manager' | 'p1' | 'p2' | 'c1' | 'c2' | 'c3', Person> = {} as never;

beforeAll(async () => {
  world = await startAdminPoort('admin-api-reset');
  org = await createOrg(world, { twoFactor: 'required' });
  people.manager = await createPerson(world, org, 'Manager', 'manager', { name: 'Marit Manager' });
  people.p1 = await createPerson(world, org, 'Professional one', 'professional', { name: 'Piet Professional' });
  people.p2 = await createPerson(world, org, 'Professional two', 'professional', { name: 'Paula Professional' });
  people.c1 = await createPerson(world, org, 'Client one', 'client', { professional: people.p1 });
  people.c2 = await createPerson(world, org, 'Client two', 'client', { professional: people.p2 });
  people.c3 = await createPerson(world, org, 'Client three', 'client', { professional: people.p1 });
  for (const person of [people.manager, people.p2, people.c1, people.c2]) await logIn(world, person);
}, 120_000);

afterAll(async () => {
  await world?.poort.close();
});

const factorCount = (person: Person): Promise<number> => world.poort.container.models.SecondFactor.countDocuments({ _id: person.id }).exec();
const recoveryCodeCount = (person: Person): Promise<number> => world.poort.container.models.RecoveryCode.countDocuments({ accountId: person.id }).exec();

describe.each([
  ['a manager', 'manager', 'c1', 'application manager'],
  ['the professional the client is linked to', 'p2', 'c2', 'professional'],
] as const)('reset by %s', (_label, actorKey, targetKey, roleLabel) => {
  let actor: Person;
  let target: Person;
  let refreshToken = '';
  let response: ApiResponse;
  let factorsBefore = 0;
  let next: { login: OpenLogin; page: Page };

  beforeAll(async () => {
    actor = people[actorKey];
    target = people[targetKey];
    refreshToken = target.token?.refresh ?? '';
    factorsBefore = await factorCount(target);
    response = await world.api.call('POST', `/accounts/${target.id}/two-factor/reset`, { token: await mfaToken(world, actor) });
  });

  it('before: the person had a factor, a refresh token and a browser session', () => {
    expect({ factors: factorsBefore, refresh: refreshToken.length > 0, browser: target.agent !== undefined }).toEqual({ factors: 1, refresh: true, browser: true });
  });

  it('answers 200: the account had a second factor', () => {
    expect({ status: response.status, body: response.json }).toEqual({
      status: 200, body: { accountId: target.id, hadSecondFactor: true, sessionsEnded: 1, grantsRevoked: 1 },
    });
  });

  it('the person\'s refresh token is refused at the token endpoint: invalid_grant', async () => {
    const config = await platformConfig(world, org);
    await expect(oidc.refreshTokenGrant(config, refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('the person\'s browser session is gone: the next authorization shows the password page', async () => {
    next = await authorizeInSession(world, target, {});
    expect(hasPasswordField(next.page)).toBe(true);
  });

  it('after the password, the organisation (2FA required) sends them through set-up: the method choice', async () => {
    const after = await submitAutoForm(next.login.agent, world.poort.issuer, await submitLogin(next.login.agent, world.poort.issuer, next.page, target.email, target.password));
    expect({ status: after.status, methodChoice: after.body.includes('name="method"') }).toEqual({ status: 200, methodChoice: true });
  });

  it('the factor is gone', async () => {
    expect(await factorCount(target)).toBe(0);
  });

  it('the recovery codes are gone', async () => {
    expect(await recoveryCodeCount(target)).toBe(0);
  });

  it('one audit event two_factor.reset: actor, role, target, address, request id and organisation', async () => {
    const events = await auditOf(world, { type: 'two_factor.reset', targetId: target.id });
    expect(events).toEqual([expect.objectContaining({
      actorId: actor.id,
      targetId: target.id,
      organisationId: org.id,
      ip: expect.stringMatching(/^(?:::ffff:)?127\.0\.0\.1$/),
      requestId: response.headers.get('x-request-id'),
      data: expect.objectContaining({ actor: actor.role, hadSecondFactor: true }),
    })]);
  });

  it('the manager reads the same event through GET /audit-events', async () => {
    const listed = await world.api.call('GET', '/audit-events', { token: await accessToken(world, people.manager), query: { type: 'two_factor.reset', accountId: target.id } });
    const items = (listed.json as { items: Array<Record<string, unknown>> }).items;
    expect(items.map((event) => ({ actorId: event.actorId, targetId: event.targetId, requestId: event.requestId }))).toEqual([
      { actorId: actor.id, targetId: target.id, requestId: response.headers.get('x-request-id') },
    ]);
  });

  it(`the person gets one notice e-mail naming the role (${roleLabel})`, () => {
    const sent = notices(world.poort, target.email, 'twoFactorReset');
    expect(sent.map((mail) => mail.text.includes(roleLabel))).toEqual([true]);
  });

  it('the notice does not name the actor (name or e-mail address)', () => {
    const [mail] = notices(world.poort, target.email, 'twoFactorReset');
    const text = `${mail?.subject ?? ''}\n${mail?.text ?? ''}`;
    expect({ name: text.includes(actor.name), email: text.includes(actor.email) }).toEqual({ name: false, email: false });
  });
});

describe('20 parallel resets of one account', () => {
  let responses: ApiResponse[] = [];

  beforeAll(async () => {
    const token = await mfaToken(world, people.manager);
    responses = await Promise.all(Array.from({ length: 20 }, () =>
      world.api.call('POST', `/accounts/${people.c3.id}/two-factor/reset`, { token })));
  });

  it('all 20 answer 200', () => {
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));
  });

  it('exactly one answer says the account had a second factor', () => {
    expect(responses.filter((r) => (r.json as { hadSecondFactor?: boolean } | undefined)?.hadSecondFactor === true)).toHaveLength(1);
  });

  it('exactly one audit event says the account had a second factor', async () => {
    const events = await auditOf(world, { type: 'two_factor.reset', targetId: people.c3.id });
    expect(events.filter((event) => (event.data as { hadSecondFactor?: boolean } | undefined)?.hadSecondFactor === true)).toHaveLength(1);
  });

  it('the account has no factor and no recovery codes afterwards', async () => {
    expect({ factors: await factorCount(people.c3), codes: await recoveryCodeCount(people.c3) }).toEqual({ factors: 0, codes: 0 });
  });
});
