/**
 * The operator's second-factor commands as a real child process against the database of a running Poort:
 * `org policy` / `org show` (the organisation's 2FA policy) and `account reset-2fa` (the operator's reset), whose
 * effects are then observed the way the person and their platform would see them.
 */
import { cliFor, failed, ok } from '../../support/cli.ts';
import { ACR } from '../../../config/oidc.ts';
import { currentTotp } from '../../../src/auth/factors/totp.ts';
import { Agent, inputValue, type Page } from '../../support/browser.ts';
import { testDatabaseUri } from '../../support/database.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, discover, exchange, oidc, returnedToRp, submitLogin } from '../../support/rp.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../../support/smtp-receiver.ts';
import { startAppSetup } from '../../support/two-factor.ts';

const MONGODB_URI = testDatabaseUri(import.meta.url);

const cli = cliFor(MONGODB_URI);

const DEFAULT_POLICY = { twoFactor: 'optional', allowedMethods: ['totp', 'sms'], codeValidityChoices: [3600, 14400, 28800, 43200], codeValidityDefault: 3600, inactivityTimeout: 3600 };

let poort: TestPoort;
let receiver: SmtpReceiver;

beforeAll(async () => {
  [poort, receiver] = await Promise.all([startPoort('two-factor-cli', { MONGODB_URI }), startSmtpReceiver()]);
});
afterAll(async () => {
  await poort?.close();
  await receiver?.stop();
});

async function newOrg(name: string): Promise<string> {
  return String(ok(await cli(['org', 'create', '--name', name])).id);
}

describe('org policy / org show', () => {
  test('a new organisation shows the default policy; a change is printed, stored and shown again', async () => {
    const orgId = await newOrg('Praktijk Beleid');
    expect(ok(await cli(['org', 'show', '--org', orgId]))).toEqual({ id: orgId, name: 'Praktijk Beleid', ...DEFAULT_POLICY });

    const changed = ok(await cli([
      'org', 'policy', '--org', orgId, '--two-factor', 'required', '--methods', 'totp', '--code-validity-choices', '30m,7200,2h,8h',
      '--code-validity-default', '2h', '--inactivity', '90m',
    ]));
    const expected = { id: orgId, name: 'Praktijk Beleid', twoFactor: 'required', allowedMethods: ['totp'], codeValidityChoices: [1800, 7200, 28800], codeValidityDefault: 7200, inactivityTimeout: 5400 };
    expect(changed).toEqual(expected);
    expect(ok(await cli(['org', 'show', '--org', orgId]))).toEqual(expected);
    expect(await poort.container.organisations.get(orgId)).toMatchObject({ twoFactor: 'required', allowedMethods: ['totp'], codeValidityDefault: 7200 });

    // Only the options given change.
    expect(ok(await cli(['org', 'policy', '--org', orgId, '--methods', 'sms,totp']))).toEqual({ ...expected, allowedMethods: ['totp', 'sms'] });
    const audit = await poort.container.models.AuditEvent.find({ type: 'organisation.policy_changed', organisationId: orgId }).lean();
    expect(audit).toHaveLength(2);
  });

  test.each([
    ['an unknown policy', ['--two-factor', 'sometimes'], '--two-factor'],
    ['an unknown method', ['--methods', 'totp,email'], '--methods'],
    ['no method at all', ['--methods', ','], '--methods'],
    ['a choice that is no duration', ['--code-validity-choices', '1h,2x'], '--code-validity-choices'],
    ['a choice under 5 minutes', ['--code-validity-choices', '4m,1h'], '--code-validity-choices'],
    ['a choice over 12 hours', ['--code-validity-choices', '1h,13h'], '--code-validity-choices'],
    ['a default over 12 hours', ['--code-validity-default', '1d'], '--code-validity-default'],
    ['a default outside the choices given', ['--code-validity-choices', '1h,4h', '--code-validity-default', '2h'], '--code-validity-default'],
    ['an inactivity under 5 minutes', ['--inactivity', '299'], '--inactivity'],
    ['an inactivity over 24 hours', ['--inactivity', '25h'], '--inactivity'],
  ])('%s: exit 2 naming the option, the policy unchanged', async (_label, args, option) => {
    const orgId = await newOrg(`Praktijk ${option}`);
    expect(failed(await cli(['org', 'policy', '--org', orgId, ...args]), 2)).toContain(option);
    expect(ok(await cli(['org', 'show', '--org', orgId]))).toMatchObject(DEFAULT_POLICY);
  });

  test.each([
    ['a default that is not one of the stored choices', ['--code-validity-default', '2h'], '--code-validity-default'],
    ['choices that leave out the stored default', ['--code-validity-choices', '2h,4h'], '--code-validity-default'],
  ])('%s: exit 1 naming the option, the policy unchanged', async (_label, args, option) => {
    const orgId = await newOrg(`Praktijk stored ${args[0] ?? ''}`);
    expect(failed(await cli(['org', 'policy', '--org', orgId, ...args]), 1)).toContain(option);
    expect(ok(await cli(['org', 'show', '--org', orgId]))).toMatchObject(DEFAULT_POLICY);
  });

  test('an unknown organisation: exit 1 naming --org; a missing --org: exit 2', async () => {
    expect(failed(await cli(['org', 'policy', '--org', 'no-such-org', '--two-factor', 'off']), 1)).toContain('--org');
    expect(failed(await cli(['org', 'show', '--org', 'no-such-org']), 1)).toContain('--org');
    expect(failed(await cli(['org', 'policy', '--two-factor', 'off']), 2)).toContain('--org');
  });
});

/** Sets up the app for the tenant's account directly; returns the key (as the app would store it). */
async function enrolApp(tenant: Tenant): Promise<string> {
  const { secondFactors } = poort.container;
  const view = await startAppSetup(secondFactors, tenant.accountId, { issuer: 'Test', label: tenant.email });
  const { secret } = view;
  const done = await secondFactors.completeEnrolment(tenant.accountId, tenant.organisationId, view.enrolmentId, currentTotp(secret, new Date()), '127.0.0.1');
  if (!done.ok) throw new Error('enrolment did not complete');
  return secret;
}

/** The next time step's code: the step the enrolment used is refused as a replay; ±1 step is accepted. */
const nextCode = (secret: string): string => currentTotp(secret, new Date(Date.now() + 30_000));

/** Logs in with password + app code, asking for a refresh token; returns the agent (with its session) and tokens. */
async function loginWithCode(tenant: Tenant, secret: string) {
  const config = await discover(poort.issuer, tenant);
  const agent = new Agent();
  const request = await authorizationRequest(config, tenant.redirectUri, { scope: 'openid offline_access', prompt: 'consent' });
  const codePage = await submitLogin(agent, poort.issuer, await agent.follow(request.url.toString(), poort.issuer), tenant.email, tenant.password);
  expect(codePage.body).toContain('name="kind" value="code"');
  const done = await postCode(agent, codePage, nextCode(secret));
  const tokens = await exchange(config, returnedToRp(done, tenant.redirectUri), request);
  expect(tokens.claims()?.acr).toBe(ACR.multiFactor);
  expect(tokens.refresh_token).toBeDefined();
  return { agent, config, refreshToken: tokens.refresh_token ?? '' };
}

function postCode(agent: Agent, page: Page, code: string): Promise<Page> {
  const uid = /\/interaction\/([^/"]+)\/second-factor/.exec(page.body)?.[1] ?? '';
  return agent.follow(`${poort.issuer}/interaction/${uid}/second-factor`, poort.issuer, { form: { csrf: inputValue(page.body, 'csrf') ?? '', kind: 'code', code } });
}

async function tenantWithPolicy(twoFactor: 'optional' | 'required'): Promise<Tenant> {
  const tenant = await createTenant(poort);
  ok(await cli(['org', 'policy', '--org', tenant.organisationId, '--two-factor', twoFactor]));
  return tenant;
}

describe('account reset-2fa', () => {
  test('required organisation: sessions and refresh tokens end, the next login sets up a factor again, the person is told', async () => {
    const tenant = await tenantWithPolicy('required');
    const secret = await enrolApp(tenant);
    const { agent, config, refreshToken } = await loginWithCode(tenant, secret);
    // Before the reset the session is alive: a new authorization returns to the RP without any page.
    const again = await authorizationRequest(config, tenant.redirectUri);
    returnedToRp(await agent.follow(again.url.toString(), poort.issuer), tenant.redirectUri);

    const result = ok(await cli(['account', 'reset-2fa', '--id', tenant.accountId], { SMTP_URL: receiver.url, MAIL_FROM: 'Poort <poort@example.org>' }));
    expect(result).toEqual({ accountId: tenant.accountId, organisationId: tenant.organisationId, hadSecondFactor: true, sessionsEnded: 1, grantsRevoked: 1 });

    // The refresh token is refused.
    await expect(oidc.refreshTokenGrant(config, refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The browser's session is gone: the login page again.
    const request = await authorizationRequest(config, tenant.redirectUri);
    const loginPage = await agent.follow(request.url.toString(), poort.issuer);
    expect(loginPage.status).toBe(200);
    expect(loginPage.body).toContain('name="password"');
    // The old code no longer works as a factor: after the password comes the set-up, not the code page.
    const next = await submitLogin(agent, poort.issuer, loginPage, tenant.email, tenant.password);
    expect(next.status).toBe(200);
    expect(next.body).toContain('name="method"');
    expect(next.body).not.toContain('name="kind" value="code"');
    expect(await poort.container.secondFactors.status(tenant.accountId)).toEqual({ method: undefined, description: undefined, sendsCode: false, prompted: false, items: undefined, codeValidity: undefined });
    expect(await poort.container.secondFactors.recoveryRemaining(tenant.accountId)).toBe(0);

    const mail = await receiver.waitFor((m) => m.to.includes(tenant.email));
    expect(mail.subject).toBe('Your two-factor authentication was reset');
    expect(mail.text).toContain('Someone with the role application manager in your organisation reset the two-factor authentication');
    expect(mail.text).not.toContain(secret);

    const audit = await poort.container.models.AuditEvent.findOne({ type: 'two_factor.reset', targetId: tenant.accountId }).lean();
    expect(audit).toMatchObject({ organisationId: tenant.organisationId, data: { actor: 'operator', hadSecondFactor: true } });
    expect(audit?.actorId).toBeUndefined();
  });

  test('optional organisation: the next login is the password alone; a Dutch account gets the notice in Dutch', async () => {
    const tenant = await tenantWithPolicy('optional');
    await poort.container.models.Account.updateOne({ _id: tenant.accountId }, { $set: { locale: 'nl' } });
    const secret = await enrolApp(tenant);
    const { agent, config } = await loginWithCode(tenant, secret);

    ok(await cli(['account', 'reset-2fa', '--id', tenant.accountId], { SMTP_URL: receiver.url }));

    const request = await authorizationRequest(config, tenant.redirectUri);
    const loginPage = await agent.follow(request.url.toString(), poort.issuer);
    expect(loginPage.body).toContain('name="password"');
    const done = await submitLogin(agent, poort.issuer, loginPage, tenant.email, tenant.password);
    const tokens = await exchange(config, returnedToRp(done, tenant.redirectUri), request);
    expect(tokens.claims()).toMatchObject({ acr: ACR.password, amr: ['pwd'] });

    const mail = await receiver.waitFor((m) => m.to.includes(tenant.email));
    expect(mail.subject).toBe('Je tweestapsverificatie is gereset');
    expect(mail.text).toContain('Iemand met de rol applicatiebeheerder in je organisatie');
  });

  test('another account of the organisation keeps its session and factor', async () => {
    const tenant = await tenantWithPolicy('required');
    const secret = await enrolApp(tenant);
    const { agent, config, refreshToken } = await loginWithCode(tenant, secret);
    const other = await poort.container.accounts.create({ organisationId: tenant.organisationId, email: `other.${tenant.email}`, password: tenant.password, role: 'client' });

    ok(await cli(['account', 'reset-2fa', '--id', other._id], { SMTP_URL: receiver.url }));

    const request = await authorizationRequest(config, tenant.redirectUri);
    returnedToRp(await agent.follow(request.url.toString(), poort.issuer), tenant.redirectUri);
    expect((await oidc.refreshTokenGrant(config, refreshToken)).access_token).toBeDefined();
    expect((await poort.container.secondFactors.status(tenant.accountId)).method).toBe('totp');
  });

  test('an unknown account: exit 1; no --id: exit 2', async () => {
    expect(failed(await cli(['account', 'reset-2fa', '--id', 'no-such-account']), 1)).toContain('account not found');
    expect(failed(await cli(['account', 'reset-2fa']), 2)).toContain('--id');
  });
});

describe('a policy change never locks anyone out', () => {
  test('going to required: a password-only session is sent to set-up, not refused; removing a method keeps that factor working', async () => {
    const tenant = await createTenant(poort);
    const config = await discover(poort.issuer, tenant);
    const agent = new Agent();
    const first = await authorizationRequest(config, tenant.redirectUri);
    const done = await submitLogin(agent, poort.issuer, await agent.follow(first.url.toString(), poort.issuer), tenant.email, tenant.password);
    returnedToRp(done, tenant.redirectUri);

    ok(await cli(['org', 'policy', '--org', tenant.organisationId, '--two-factor', 'required']));
    const second = await authorizationRequest(config, tenant.redirectUri);
    const setup = await agent.follow(second.url.toString(), poort.issuer);
    expect(setup.status).toBe(200);
    expect(setup.body).toContain('name="method"');
    expect(setup.body).not.toContain('name="password"');

    // Someone with the app, after the organisation allows only SMS: still logs in with the app.
    const withApp = await createTenant(poort);
    const secret = await enrolApp(withApp);
    ok(await cli(['org', 'policy', '--org', withApp.organisationId, '--two-factor', 'required', '--methods', 'sms']));
    await loginWithCode(withApp, secret);
  });
});
