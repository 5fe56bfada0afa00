/**
 * The admin API, one happy path per endpoint: a manager with a real token (password and authenticator app through
 * the real login, openid-client as the platform), a machine client with client credentials, and what each call
 * leaves in the database (accounts, links, factors, the audit log).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_API } from '../../../config/oidc.ts';
import { Agent } from '../../support/browser.ts';
import { cliFor, ok } from '../../support/cli.ts';
import { testDatabaseUri } from '../../support/database.ts';
import { startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { discover, exchange, oidc } from '../../support/rp.ts';
import { callbackOf, enrolTotp, isCodePage, passwordStep, postCode, totpNow } from '../../support/two-factor.ts';

const MONGODB_URI = testDatabaseUri(import.meta.url);
const PASSWORD = 'Stevige kast 42 deur!';

let poort: TestPoort;
let base: string;
let organisationId: string;
let manager: Tenant;
let managerToken: string;
let machine: { clientId: string; clientSecret: string };
let machineToken: string;
let counter = 0;
const email = (label: string): string => `${label}.${(counter += 1)}@example.org`;

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, token: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) as Record<string, unknown> : {} };
}

async function person(role: 'client' | 'professional' | 'manager', extra: { professionalId?: string; password?: string } = {}): Promise<string> {
  const account = await poort.container.accounts.create({ organisationId, email: email(role), role, password: extra.password ?? PASSWORD, professionalId: extra.professionalId });
  return account._id;
}

const audit = (filter: Record<string, unknown>) => poort.container.models.AuditEvent.find(filter).sort({ at: -1 }).lean().exec();

beforeAll(async () => {
  poort = await startPoort('admin-api-endpoints', { MONGODB_URI });
  base = `${poort.issuer}${ADMIN_API.path}/v1`;
  const { organisations, clients, accounts } = poort.container;
  organisationId = (await organisations.create({ name: 'Praktijk Endpoints' }))._id;
  const redirectUri = 'https://platform.example.org/callback';
  const platform = await clients.create({ organisationId, name: 'Platform', redirectUris: [redirectUri], firstParty: true });
  const machineClient = await clients.create({ organisationId, name: 'Provisioning', redirectUris: ['https://machine.example.org/cb'], clientCredentials: true });
  machine = { clientId: machineClient.clientId, clientSecret: machineClient.clientSecret ?? '' };
  const account = await accounts.create({ organisationId, email: email('manager'), role: 'manager', password: PASSWORD, name: 'Mara Manager' });
  manager = { organisationId, clientId: platform.clientId, clientSecret: platform.clientSecret ?? '', redirectUri, email: account.email, password: PASSWORD, accountId: account._id };

  // The manager's token: password, then the authenticator app's code (acr mfa, a fresh auth_time: step-up passes).
  const { secret } = await enrolTotp(poort, manager);
  const login = await passwordStep(poort, manager, { scope: `openid ${ADMIN_API.scope} offline_access`, resource: `${poort.issuer}${ADMIN_API.path}`, prompt: 'consent' }, new Agent());
  if (!isCodePage(login.step)) throw new Error('expected the code page');
  const tokens = await exchange(login.config, callbackOf(await postCode(poort, login, totpNow(poort, secret)), manager), login.request);
  managerToken = tokens.access_token;

  const config = await discover(poort.issuer, machine);
  machineToken = (await oidc.clientCredentialsGrant(config, { scope: ADMIN_API.scope, resource: `${poort.issuer}${ADMIN_API.path}` })).access_token;
}, 60_000);

afterAll(async () => {
  await poort?.close();
});

describe('who is acting', () => {
  it('GET /me names the manager, their organisation and how they logged in', async () => {
    const me = await call('GET', '/me', managerToken);
    expect(me.status).toBe(200);
    expect(me.headers.get('cache-control')).toBe('no-store');
    expect(me.body).toMatchObject({ kind: 'person', accountId: manager.accountId, role: 'manager', organisationId, email: manager.email, name: 'Mara Manager', acr: 'urn:poort:acr:mfa' });
  });

  it('GET /me names a machine client by its client id', async () => {
    const me = await call('GET', '/me', machineToken);
    expect(me).toMatchObject({ status: 200, body: { kind: 'machine', clientId: machine.clientId, organisationId } });
  });
});

describe('accounts', () => {
  it('POST /accounts invites: invited, a welcome e-mail, a Location, audited with the manager as actor', async () => {
    const address = email('new');
    const created = await call('POST', '/accounts', managerToken, { email: address.toUpperCase(), role: 'professional', name: 'Nieuwe Collega', locale: 'nl' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: address, role: 'professional', status: 'invited', locale: 'nl', welcomeSent: true, twoFactor: { enrolled: false } });
    expect(created.body.invitationExpiresAt).toEqual(expect.any(String));
    expect(created.headers.get('location')).toBe(`${base}/accounts/${String(created.body.id)}`);
    expect(JSON.stringify(created.body)).not.toMatch(/passwordHash|tokenHash|invitation"/);
    const [event] = await audit({ type: 'account.created', targetId: created.body.id });
    expect(event).toMatchObject({ organisationId, actorId: manager.accountId, ip: expect.any(String) });
    expect(await audit({ type: 'account.welcome_sent', targetId: created.body.id })).toHaveLength(1);

    const again = await call('POST', '/accounts', managerToken, { email: address, role: 'client' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'email_taken', type: 'urn:poort:problem:email_taken', status: 409 });
  });

  it('POST /accounts by a machine client: audited as client:<client_id>; a manager it may not create', async () => {
    const created = await call('POST', '/accounts', machineToken, { email: email('provisioned'), role: 'client' });
    expect(created.status).toBe(201);
    const [event] = await audit({ type: 'account.created', targetId: created.body.id });
    expect(event?.actorId).toBe(`client:${machine.clientId}`);
    const refused = await call('POST', '/accounts', machineToken, { email: email('boss'), role: 'manager' });
    expect(refused).toMatchObject({ status: 403, body: { code: 'forbidden' } });
  });

  it('GET /accounts searches e-mail and name, filters and pages with a cursor', async () => {
    const marker = `zoek${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const created = await call('POST', '/accounts', managerToken, { email: `${marker}.${i}@example.org`, role: 'client', name: `Klant ${i}` });
      ids.push(String(created.body.id));
    }
    const first = await call('GET', `/accounts?q=${marker.toUpperCase()}&limit=2`, managerToken);
    expect(first.status).toBe(200);
    const items = first.body.items as Array<{ id: string }>;
    expect(items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call('GET', `/accounts?q=${marker}&limit=2&cursor=${String(first.body.nextCursor)}`, managerToken);
    const all = [...items, ...(second.body.items as Array<{ id: string }>)].map((a) => a.id);
    expect(all.sort()).toEqual([...ids].sort());
    expect(second.body.nextCursor).toBeUndefined();

    const byName = await call('GET', '/accounts?q=klant%201', managerToken);
    expect((byName.body.items as Array<{ id: string }>).map((a) => a.id)).toContain(ids[1]);
    const managers = await call('GET', '/accounts?role=manager&status=active', managerToken);
    expect((managers.body.items as Array<{ id: string; role: string }>).every((a) => a.role === 'manager')).toBe(true);
    expect((managers.body.items as Array<{ id: string }>).map((a) => a.id)).toContain(manager.accountId);
  });

  it('GET /accounts/{id} shows an account and whether it has a second factor', async () => {
    const one = await call('GET', `/accounts/${manager.accountId}`, managerToken);
    expect(one).toMatchObject({ status: 200, body: { id: manager.accountId, role: 'manager', status: 'active', twoFactor: { enrolled: true, method: 'totp' } } });
  });

  it('PATCH /accounts/{id} changes name, language and role, then disables and enables', async () => {
    const id = await person('client');
    const changed = await call('PATCH', `/accounts/${id}`, managerToken, { name: 'Nieuwe Naam', locale: 'nl', role: 'professional' });
    expect(changed).toMatchObject({ status: 200, body: { id, name: 'Nieuwe Naam', locale: 'nl', role: 'professional' } });
    const [event] = await audit({ type: 'account.updated', targetId: id });
    expect(event).toMatchObject({ actorId: manager.accountId, data: { fields: 'name,locale,role', roleFrom: 'client', roleTo: 'professional' } });

    const disabled = await call('PATCH', `/accounts/${id}`, managerToken, { status: 'disabled' });
    expect(disabled).toMatchObject({ status: 200, body: { status: 'disabled' } });
    const enabled = await call('PATCH', `/accounts/${id}`, managerToken, { status: 'active' });
    expect(enabled).toMatchObject({ status: 200, body: { status: 'active' } });
  });

  it('PATCH refuses the manager\'s own role and a client with links changing role', async () => {
    const own = await call('PATCH', `/accounts/${manager.accountId}`, managerToken, { role: 'client' });
    expect(own).toMatchObject({ status: 403, body: { code: 'own_account' } });
    const ownName = await call('PATCH', `/accounts/${manager.accountId}`, managerToken, { name: 'Mara M.' });
    expect(ownName).toMatchObject({ status: 200, body: { name: 'Mara M.' } });
    const professional = await person('professional');
    const client = await person('client', { professionalId: professional });
    expect(await call('PATCH', `/accounts/${client}`, managerToken, { role: 'manager' })).toMatchObject({ status: 409, body: { code: 'has_links' } });
    expect(await call('PATCH', `/accounts/${professional}`, managerToken, { role: 'client' })).toMatchObject({ status: 409, body: { code: 'has_links' } });
  });

  it('POST /accounts/{id}/welcome sends a new link to an invited account, 409 to an active one', async () => {
    const created = await call('POST', '/accounts', managerToken, { email: email('invitee'), role: 'client' });
    const sent = await call('POST', `/accounts/${String(created.body.id)}/welcome`, managerToken);
    expect(sent).toMatchObject({ status: 200, body: { accountId: created.body.id, invitationExpiresAt: expect.any(String) } });
    expect(await call('POST', `/accounts/${manager.accountId}/welcome`, machineToken)).toMatchObject({ status: 409, body: { code: 'not_invited' } });
  });

  it('links: GET /accounts/{id}/clients, PUT and DELETE /accounts/{client}/professionals/{professional}', async () => {
    const p1 = await person('professional');
    const p2 = await person('professional');
    const client = await person('client', { professionalId: p1 });
    const clients = await call('GET', `/accounts/${p1}/clients`, managerToken);
    expect(clients.status).toBe(200);
    expect((clients.body.items as Array<{ id: string; professionalIds: string[] }>).map((a) => a.id)).toEqual([client]);

    const linked = await call('PUT', `/accounts/${client}/professionals/${p2}`, managerToken);
    expect(linked).toMatchObject({ status: 200, body: { clientId: client, professionalIds: [p1, p2] } });
    const unlinked = await call('DELETE', `/accounts/${client}/professionals/${p1}`, managerToken);
    expect(unlinked).toMatchObject({ status: 200, body: { clientId: client, professionalIds: [p2] } });
    expect(await audit({ type: 'account.professional_unlinked', targetId: client, actorId: manager.accountId })).toHaveLength(1);
    expect(await call('GET', `/accounts/${client}/clients`, managerToken)).toMatchObject({ status: 409, body: { code: 'not_a_professional' } });
  });

  it('POST /accounts/{id}/two-factor/reset removes the factor and its lock, ends sessions, is audited and e-mailed', async () => {
    const id = await person('professional');
    const targetEmail = (await poort.container.accounts.get(id))?.email;
    await enrolTotp(poort, { accountId: id, organisationId, email: 'unused@example.org' });
    // A run of wrong codes that locks the factor: the reset clears it.
    const { secondFactors } = poort.container;
    for (let i = 0; i < 3; i += 1) await secondFactors.verify(id, 'code', '000000', '127.0.0.9', { kind: 'login', id: 'x' });
    const attempts = poort.container.db.collection('throttle_second_factor_attempts');
    expect(await attempts.countDocuments({ key: `${id}:code` })).toBe(1);
    const reset = await call('POST', `/accounts/${id}/two-factor/reset`, managerToken);
    expect(reset).toMatchObject({ status: 200, body: { accountId: id, hadSecondFactor: true, sessionsEnded: 0, grantsRevoked: 0 } });
    expect(await attempts.countDocuments({ key: `${id}:code` })).toBe(0);
    const after = await call('GET', `/accounts/${id}`, managerToken);
    expect(after.body.twoFactor).toEqual({ enrolled: false });
    const [event] = await audit({ type: 'two_factor.reset', targetId: id });
    expect(event).toMatchObject({ organisationId, actorId: manager.accountId, ip: expect.any(String), data: { actor: 'manager', hadSecondFactor: true } });
    // The notice names the actor's role, never their name.
    const notice = poort.container.outbox?.list().find((mail) => mail.kind === 'mail' && mail.to === targetEmail);
    expect(notice?.text).toMatch(/application manager/);
    expect(notice?.text).not.toMatch(/Mara/);

    expect(await call('POST', `/accounts/${manager.accountId}/two-factor/reset`, managerToken)).toMatchObject({ status: 403, body: { code: 'own_account' } });
    expect(await call('POST', `/accounts/${id}/two-factor/reset`, machineToken)).toMatchObject({ status: 403, body: { code: 'forbidden' } });
  });

  it('POST /accounts/{id}/sessions/revoke ends the sessions and refresh tokens, and is audited', async () => {
    const id = await person('client');
    const client: Tenant = { ...manager, email: (await poort.container.accounts.get(id))?.email ?? '', accountId: id };
    const login = await passwordStep(poort, client, { scope: 'openid offline_access', prompt: 'consent' }, new Agent());
    const tokens = await exchange(login.config, callbackOf(login.step, client), login.request);
    expect(tokens.refresh_token).toEqual(expect.any(String));

    const revoked = await call('POST', `/accounts/${id}/sessions/revoke`, managerToken);
    expect(revoked).toMatchObject({ status: 200, body: { accountId: id, sessionsEnded: 1, grantsRevoked: 1 } });
    await expect(oidc.refreshTokenGrant(login.config, tokens.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
    const [event] = await audit({ type: 'account.sessions_revoked', targetId: id });
    expect(event).toMatchObject({ organisationId, actorId: manager.accountId, data: { sessionsEnded: 1, grantsRevoked: 1 } });
    expect(await call('POST', `/accounts/${manager.accountId}/sessions/revoke`, managerToken)).toMatchObject({ status: 403, body: { code: 'own_account' } });
  });
});

describe('the organisation and the audit log', () => {
  it('GET and PUT /organisation/policy; a policy that cannot be names its field', async () => {
    const got = await call('GET', '/organisation/policy', managerToken);
    expect(got).toMatchObject({ status: 200, body: { id: organisationId, twoFactor: 'optional' } });
    const { id: _id, name: _name, ...policy } = got.body;
    const put = await call('PUT', '/organisation/policy', managerToken, { ...policy, codeValidityChoices: [3600, 7200], codeValidityDefault: 7200 });
    expect(put).toMatchObject({ status: 200, body: { codeValidityChoices: [3600, 7200], codeValidityDefault: 7200 } });
    const bad = await call('PUT', '/organisation/policy', managerToken, { ...policy, codeValidityChoices: [3600], codeValidityDefault: 7200 });
    expect(bad).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [{ field: 'codeValidityDefault' }] } });
    const [event] = await audit({ type: 'organisation.policy_changed', organisationId });
    expect(event?.actorId).toBe(manager.accountId);
  });

  it('GET /audit-events lists the organisation\'s events, newest first, filtered and paged', async () => {
    const page = await call('GET', `/audit-events?type=account.created&limit=2`, managerToken);
    expect(page.status).toBe(200);
    const items = page.body.items as Array<{ type: string; at: string; requestId?: string }>;
    expect(items).toHaveLength(2);
    expect(items.every((event) => event.type === 'account.created')).toBe(true);
    expect(items[0]!.at >= items[1]!.at).toBe(true);
    const next = await call('GET', `/audit-events?type=account.created&limit=2&cursor=${String(page.body.nextCursor)}`, managerToken);
    expect(next.status).toBe(200);
    const mine = await call('GET', `/audit-events?accountId=${manager.accountId}`, managerToken);
    expect((mine.body.items as unknown[]).length).toBeGreaterThan(0);
    expect(await call('GET', '/audit-events?cursor=nonsense', managerToken)).toMatchObject({ status: 400, body: { errors: [{ field: 'cursor' }] } });
  });
});

describe('the CLI', () => {
  const cli = cliFor(MONGODB_URI);

  it('account update changes name, language and role through the same use case', async () => {
    const id = await person('client');
    const updated = ok(await cli(['account', 'update', '--id', id, '--name', 'Via CLI', '--locale', 'nl', '--role', 'professional']));
    expect(updated).toMatchObject({ id, name: 'Via CLI', locale: 'nl', role: 'professional', changed: ['name', 'locale', 'role'] });
    const [event] = await audit({ type: 'account.updated', targetId: id });
    expect(event?.actorId).toBeUndefined();
  });

  it('account reset-2fa writes the API\'s event type, with the operator as actor', async () => {
    const id = await person('client');
    ok(await cli(['account', 'reset-2fa', '--id', id]));
    const [event] = await audit({ type: 'two_factor.reset', targetId: id });
    expect(event).toMatchObject({ organisationId, data: { actor: 'operator' } });
  });
});
