/**
 * The operator's account commands as a real child process against the database of a running Poort: `account
 * disable` / `account enable` (seen the way the person and their platform see them: sessions, refresh tokens, the
 * login page), `account link` / `account unlink` (a client's professionals), and the welcome e-mail of `account
 * create` and `account resend-welcome`.
 */
import { auditEvents } from '../../support/account.ts';
import { cliFor, failed, ok } from '../../support/cli.ts';
import { testDatabaseUri } from '../../support/database.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, exchange, oidc } from '../../support/rp.ts';
import { attempt, loginWithRefresh, openLogin, withoutCsrf, type OpenLogin } from '../../support/security.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../../support/smtp-receiver.ts';

const MONGODB_URI = testDatabaseUri(import.meta.url);
const PASSWORD = 'Stevige kast 42 deur!';
const WRONG_PASSWORD = 'Wrong password 123!';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const cli = cliFor(MONGODB_URI);

let poort: TestPoort;
let receiver: SmtpReceiver;

beforeAll(async () => {
  [poort, receiver] = await Promise.all([startPoort('account-admin', { MONGODB_URI }), startSmtpReceiver()]);
});
afterAll(async () => {
  await poort?.close();
  await receiver?.stop();
});

let counter = 0;
const uniqueEmail = (label: string): string => `${label}.${(counter += 1)}@example.org`;

async function accountIn(organisationId: string, role: 'client' | 'professional' | 'manager', password?: string): Promise<string> {
  const account = await poort.container.accounts.create({ organisationId, email: uniqueEmail(role), role, password });
  return account._id;
}

const statusOf = async (id: string): Promise<string | undefined> => (await poort.container.accounts.get(id))?.status;
const professionalIdsOf = async (id: string): Promise<string[] | undefined> => (await poort.container.accounts.get(id))?.professionalIds;

/** A person logged in at their platform with a refresh token, then disabled with the CLI. */
async function loggedInThenDisabled(): Promise<{ tenant: Tenant; login: OpenLogin; refreshToken: string; printed: Record<string, unknown> }> {
  const tenant = await createTenant(poort);
  const { login, callback } = await loginWithRefresh(poort, tenant);
  const tokens = await exchange(login.config, callback, login.request);
  if (!tokens.refresh_token) throw new Error('no refresh token issued');
  const printed = ok(await cli(['account', 'disable', '--id', tenant.accountId]));
  return { tenant, login, refreshToken: tokens.refresh_token, printed };
}

describe('account disable', () => {
  test('prints the account, its new status and how many sessions and grants ended', async () => {
    const { tenant, printed } = await loggedInThenDisabled();
    expect(printed).toEqual({ id: tenant.accountId, status: 'disabled', sessionsEnded: 1, grantsRevoked: 1 });
  });

  test('the person\'s refresh token is refused', async () => {
    const { login, refreshToken } = await loggedInThenDisabled();
    await expect(oidc.refreshTokenGrant(login.config, refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('the person\'s browser session is gone: their platform gets the login page again', async () => {
    const { tenant, login } = await loggedInThenDisabled();
    const again = await authorizationRequest(login.config, tenant.redirectUri);
    const page = await login.agent.follow(again.url.toString(), poort.issuer);
    expect({ status: page.status, form: page.body.includes('name="password"') }).toEqual({ status: 200, form: true });
  });

  test('a new login with the right password gets exactly the page of a wrong password', async () => {
    const tenant = await createTenant(poort);
    ok(await cli(['account', 'disable', '--id', tenant.accountId]));
    const form = await openLogin(poort, tenant);
    const right = await attempt(form, tenant.email, tenant.password);
    const wrong = await attempt(form, tenant.email, WRONG_PASSWORD);
    expect({ verdict: right.verdict, page: withoutCsrf(right.page.body) }).toEqual({ verdict: 'failed', page: withoutCsrf(wrong.page.body) });
  });

  test('is audited with the status it left and what ended', async () => {
    const { tenant } = await loggedInThenDisabled();
    const events = await auditEvents(poort, tenant.accountId, 'account.disabled');
    expect(events).toEqual([expect.objectContaining({ organisationId: tenant.organisationId, data: { from: 'active', sessionsEnded: 1, grantsRevoked: 1 } })]);
  });

  test('the stored status is disabled', async () => {
    const tenant = await createTenant(poort);
    ok(await cli(['account', 'disable', '--id', tenant.accountId]));
    expect(await statusOf(tenant.accountId)).toBe('disabled');
  });

  test('an invited account is disabled too', async () => {
    const tenant = await createTenant(poort);
    const invited = await accountIn(tenant.organisationId, 'client');
    expect(ok(await cli(['account', 'disable', '--id', invited]))).toEqual({ id: invited, status: 'disabled', sessionsEnded: 0, grantsRevoked: 0 });
  });

  test('disabling twice answers the same both times', async () => {
    const tenant = await createTenant(poort);
    const first = ok(await cli(['account', 'disable', '--id', tenant.accountId]));
    expect(ok(await cli(['account', 'disable', '--id', tenant.accountId]))).toEqual(first);
  });

  test('disabling twice writes one audit event', async () => {
    const tenant = await createTenant(poort);
    ok(await cli(['account', 'disable', '--id', tenant.accountId]));
    ok(await cli(['account', 'disable', '--id', tenant.accountId]));
    expect(await auditEvents(poort, tenant.accountId, 'account.disabled')).toHaveLength(1);
  });

  test('another account of the organisation keeps its refresh token', async () => {
    const tenant = await createTenant(poort);
    const { login, callback } = await loginWithRefresh(poort, tenant);
    const tokens = await exchange(login.config, callback, login.request);
    ok(await cli(['account', 'disable', '--id', await accountIn(tenant.organisationId, 'client', PASSWORD)]));
    expect((await oidc.refreshTokenGrant(login.config, tokens.refresh_token ?? '')).access_token).toEqual(expect.any(String));
  });

  test('an unknown account: exit 1 naming --id', async () => {
    expect(failed(await cli(['account', 'disable', '--id', 'no-such-account']), 1)).toContain('--id: account not found');
  });

  test('without --id: exit 2 naming --id', async () => {
    expect(failed(await cli(['account', 'disable']), 2)).toContain('--id');
  });
});

describe('account enable', () => {
  test('prints the account active again', async () => {
    const tenant = await createTenant(poort);
    ok(await cli(['account', 'disable', '--id', tenant.accountId]));
    expect(ok(await cli(['account', 'enable', '--id', tenant.accountId]))).toEqual({ id: tenant.accountId, status: 'active' });
  });

  test('the person logs in again', async () => {
    const tenant = await createTenant(poort);
    ok(await cli(['account', 'disable', '--id', tenant.accountId]));
    ok(await cli(['account', 'enable', '--id', tenant.accountId]));
    const { login, callback } = await loginWithRefresh(poort, tenant);
    expect((await exchange(login.config, callback, login.request)).claims()?.sub).toBe(tenant.accountId);
  });

  test('an account that never had a password is invited again', async () => {
    const tenant = await createTenant(poort);
    const invited = await accountIn(tenant.organisationId, 'client');
    ok(await cli(['account', 'disable', '--id', invited]));
    expect(ok(await cli(['account', 'enable', '--id', invited]))).toEqual({ id: invited, status: 'invited' });
  });

  test('is audited with the status it restored', async () => {
    const tenant = await createTenant(poort);
    ok(await cli(['account', 'disable', '--id', tenant.accountId]));
    ok(await cli(['account', 'enable', '--id', tenant.accountId]));
    const events = await auditEvents(poort, tenant.accountId, 'account.enabled');
    expect(events).toEqual([expect.objectContaining({ organisationId: tenant.organisationId, data: { status: 'active' } })]);
  });

  test('an account that is not disabled stays as it is, and no event is written', async () => {
    const tenant = await createTenant(poort);
    const printed = ok(await cli(['account', 'enable', '--id', tenant.accountId]));
    expect({ printed, events: await auditEvents(poort, tenant.accountId, 'account.enabled') }).toEqual({ printed: { id: tenant.accountId, status: 'active' }, events: [] });
  });

  test('an invited account disabled and enabled again needs a new welcome: the link sent before no longer opens', async () => {
    const tenant = await createTenant(poort);
    const invited = await accountIn(tenant.organisationId, 'client');
    const { link } = await poort.container.invitations.send(invited, { role: 'operator' });
    ok(await cli(['account', 'disable', '--id', invited]));
    ok(await cli(['account', 'enable', '--id', invited]));
    expect(await poort.container.invitations.open(link.slice(link.lastIndexOf('/') + 1))).toBeUndefined();
  });

  test('an unknown account: exit 1 naming --id', async () => {
    expect(failed(await cli(['account', 'enable', '--id', 'no-such-account']), 1)).toContain('--id: account not found');
  });
});

describe('account link / unlink', () => {
  /** A client and a professional of one organisation. */
  async function pair(): Promise<{ organisationId: string; clientId: string; professionalId: string }> {
    const { organisationId } = await createTenant(poort);
    return { organisationId, clientId: await accountIn(organisationId, 'client'), professionalId: await accountIn(organisationId, 'professional') };
  }

  test('link prints the client\'s professionals, the new one among them', async () => {
    const { clientId, professionalId } = await pair();
    expect(ok(await cli(['account', 'link', '--client', clientId, '--professional', professionalId]))).toEqual({ clientId, professionalIds: [professionalId] });
  });

  test('link stores the professional on the client account', async () => {
    const { clientId, professionalId } = await pair();
    ok(await cli(['account', 'link', '--client', clientId, '--professional', professionalId]));
    expect(await professionalIdsOf(clientId)).toEqual([professionalId]);
  });

  test('linking twice keeps one entry and writes one audit event', async () => {
    const { clientId, professionalId } = await pair();
    ok(await cli(['account', 'link', '--client', clientId, '--professional', professionalId]));
    ok(await cli(['account', 'link', '--client', clientId, '--professional', professionalId]));
    expect({ ids: await professionalIdsOf(clientId), events: (await auditEvents(poort, clientId, 'account.professional_linked')).length })
      .toEqual({ ids: [professionalId], events: 1 });
  });

  test('link is audited with the professional', async () => {
    const { organisationId, clientId, professionalId } = await pair();
    ok(await cli(['account', 'link', '--client', clientId, '--professional', professionalId]));
    expect(await auditEvents(poort, clientId, 'account.professional_linked')).toEqual([expect.objectContaining({ organisationId, data: { professionalId } })]);
  });

  test('unlink removes that professional only', async () => {
    const { organisationId, clientId, professionalId } = await pair();
    const other = await accountIn(organisationId, 'professional');
    ok(await cli(['account', 'link', '--client', clientId, '--professional', professionalId]));
    ok(await cli(['account', 'link', '--client', clientId, '--professional', other]));
    expect(ok(await cli(['account', 'unlink', '--client', clientId, '--professional', professionalId]))).toEqual({ clientId, professionalIds: [other] });
  });

  test('unlink is audited with the professional', async () => {
    const { organisationId, clientId, professionalId } = await pair();
    ok(await cli(['account', 'link', '--client', clientId, '--professional', professionalId]));
    ok(await cli(['account', 'unlink', '--client', clientId, '--professional', professionalId]));
    expect(await auditEvents(poort, clientId, 'account.professional_unlinked')).toEqual([expect.objectContaining({ organisationId, data: { professionalId } })]);
  });

  test('unlinking a professional who is not linked changes nothing and writes no event', async () => {
    const { clientId, professionalId } = await pair();
    const printed = ok(await cli(['account', 'unlink', '--client', clientId, '--professional', professionalId]));
    expect({ printed, events: await auditEvents(poort, clientId, 'account.professional_unlinked') }).toEqual({ printed: { clientId, professionalIds: [] }, events: [] });
  });

  test('a disabled professional can still be unlinked', async () => {
    const { clientId, professionalId } = await pair();
    ok(await cli(['account', 'link', '--client', clientId, '--professional', professionalId]));
    ok(await cli(['account', 'disable', '--id', professionalId]));
    expect(ok(await cli(['account', 'unlink', '--client', clientId, '--professional', professionalId]))).toEqual({ clientId, professionalIds: [] });
  });

  type Refusal = [string, () => Promise<{ client: string; professional: string }>, string];
  const refusals: Refusal[] = [
    ['an unknown client', async () => ({ client: 'no-such-account', professional: (await pair()).professionalId }), '--client: account not found'],
    ['an unknown professional', async () => ({ client: (await pair()).clientId, professional: 'no-such-account' }), '--professional: account not found'],
    ['a --client that is a professional', async () => {
      const { organisationId, professionalId } = await pair();
      return { client: await accountIn(organisationId, 'professional'), professional: professionalId };
    }, '--client: the account is not a client (role: professional)'],
    ['a --professional that is a manager', async () => {
      const { organisationId, clientId } = await pair();
      return { client: clientId, professional: await accountIn(organisationId, 'manager') };
    }, '--professional: the account is not a professional (role: manager)'],
    ['a professional of another organisation', async () => ({ client: (await pair()).clientId, professional: (await pair()).professionalId }),
      '--professional: the professional belongs to another organisation than the client'],
    ['a disabled professional', async () => {
      const { clientId, professionalId } = await pair();
      await poort.container.accountAdmin.disable(professionalId);
      return { client: clientId, professional: professionalId };
    }, '--professional: the account is disabled'],
  ];

  test.each(refusals)('link refuses %s: exit 1 with a clear message, the client unchanged', async (_label, make, message) => {
    const { client, professional } = await make();
    const stderr = failed(await cli(['account', 'link', '--client', client, '--professional', professional]), 1);
    expect({ stderr: stderr.trim(), ids: await professionalIdsOf(client) }).toEqual({ stderr: `error: ${message}`, ids: client === 'no-such-account' ? undefined : [] });
  });

  test.each(refusals.filter(([label]) => label !== 'a disabled professional'))('unlink refuses %s: exit 1 with a clear message', async (_label, make, message) => {
    const { client, professional } = await make();
    expect(failed(await cli(['account', 'unlink', '--client', client, '--professional', professional]), 1).trim()).toBe(`error: ${message}`);
  });

  test.each([
    ['link', '--client', '--professional'],
    ['link', '--professional', '--client'],
    ['unlink', '--client', '--professional'],
  ])('account %s with %s alone: exit 2 naming %s', async (action, given, missing) => {
    expect(failed(await cli(['account', action, given, 'some-id']), 2)).toContain(missing);
  });
});

describe('account create: the welcome e-mail', () => {
  test('without --password the account is invited and its welcome expiry is printed, not its link', async () => {
    const { organisationId } = await createTenant(poort);
    const email = uniqueEmail('welcome');
    const created = ok(await cli(['account', 'create', '--org', organisationId, '--email', email, '--role', 'client']));
    expect(created).toEqual({ id: expect.any(String), organisationId, email, role: 'client', status: 'invited', invitationExpiresAt: expect.stringMatching(ISO) });
  });

  test('the welcome e-mail reaches the person', async () => {
    const { organisationId } = await createTenant(poort);
    const email = uniqueEmail('welcome');
    ok(await cli(['account', 'create', '--org', organisationId, '--email', email, '--role', 'client'], { SMTP_URL: receiver.url }));
    expect((await receiver.waitFor((m) => m.to.includes(email))).to).toEqual([email]);
  });

  test('with --password (seeding) the account is active and no welcome is sent', async () => {
    const { organisationId } = await createTenant(poort);
    const email = uniqueEmail('seeded');
    const created = ok(await cli(['account', 'create', '--org', organisationId, '--email', email, '--role', 'client', '--password', PASSWORD]));
    expect(created).toEqual({ id: expect.any(String), organisationId, email, role: 'client', status: 'active' });
  });

  test('--print-link in development prints the link the e-mail carries', async () => {
    const { organisationId } = await createTenant(poort);
    const email = uniqueEmail('printed');
    const created = ok(await cli(['account', 'create', '--org', organisationId, '--email', email, '--role', 'client', '--print-link'], { NODE_ENV: 'development', SMTP_URL: receiver.url }));
    const mail = await receiver.waitFor((m) => m.to.includes(email));
    expect(mail.text).toContain(String(created.link));
  });

  test('--print-link outside development: exit 1 naming --print-link, and no account', async () => {
    const { organisationId } = await createTenant(poort);
    const email = uniqueEmail('refused');
    const stderr = failed(await cli(['account', 'create', '--org', organisationId, '--email', email, '--role', 'client', '--print-link']), 1);
    expect({ stderr, account: await poort.container.accounts.findByEmail(organisationId, email) })
      .toEqual({ stderr: expect.stringContaining('--print-link: only in development'), account: undefined });
  });

  test('--print-link with --password: exit 2 naming --print-link', async () => {
    const { organisationId } = await createTenant(poort);
    const args = ['account', 'create', '--org', organisationId, '--email', uniqueEmail('both'), '--role', 'client', '--password', PASSWORD, '--print-link'];
    expect(failed(await cli(args, { NODE_ENV: 'development' }), 2)).toContain('--print-link');
  });
});

describe('account resend-welcome', () => {
  test('prints the account and the new link\'s expiry', async () => {
    const { organisationId } = await createTenant(poort);
    const invited = await accountIn(organisationId, 'client');
    expect(ok(await cli(['account', 'resend-welcome', '--id', invited]))).toEqual({ id: invited, invitationExpiresAt: expect.stringMatching(ISO) });
  });

  test('--print-link in development prints the link the e-mail carries', async () => {
    const { organisationId } = await createTenant(poort);
    const email = uniqueEmail('resent');
    const invited = (await poort.container.accounts.create({ organisationId, email, role: 'client' }))._id;
    const sent = ok(await cli(['account', 'resend-welcome', '--id', invited, '--print-link'], { NODE_ENV: 'development', SMTP_URL: receiver.url }));
    expect((await receiver.waitFor((m) => m.to.includes(email))).text).toContain(String(sent.link));
  });

  test('--print-link outside development: exit 1 naming --print-link', async () => {
    const { organisationId } = await createTenant(poort);
    const invited = await accountIn(organisationId, 'client');
    expect(failed(await cli(['account', 'resend-welcome', '--id', invited, '--print-link']), 1)).toContain('--print-link: only in development');
  });

  test('an account that is not invited: exit 1 saying where it stands', async () => {
    const tenant = await createTenant(poort);
    const stderr = failed(await cli(['account', 'resend-welcome', '--id', tenant.accountId]), 1);
    expect(stderr.trim()).toBe('error: --id: the account is not waiting for its first password (status: active)');
  });

  test('an unknown account: exit 1 naming --id', async () => {
    expect(failed(await cli(['account', 'resend-welcome', '--id', 'no-such-account']), 1).trim()).toBe('error: --id: account not found');
  });
});

describe('usage', () => {
  test('the new commands are listed', async () => {
    const stderr = failed(await cli(['account', 'nothing']), 2);
    expect(['account disable --id', 'account enable --id', 'account link --client', 'account unlink --client', 'account resend-welcome --id'].filter((c) => !stderr.includes(c))).toEqual([]);
  });
});
