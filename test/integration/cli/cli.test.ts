/**
 * The operator CLI as a real child process (`node src/cli/main.ts …`) against its own database on the MongoDB
 * stand-in; what it creates is then used through a real Poort on the same database.
 */
import { cliFor, failed, ok } from '../../support/cli.ts';
import { Agent } from '../../support/browser.ts';
import { testDatabaseUri } from '../../support/database.ts';
import { startPoort, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, discover, exchange, login, oidc, submitLogin } from '../../support/rp.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../../support/smtp-receiver.ts';

const MONGODB_URI = testDatabaseUri(import.meta.url);
const PASSWORD = 'Stevige kast 42 deur!';
const REDIRECT_URI = 'https://platform.example.org/callback';

const cli = cliFor(MONGODB_URI);

async function createOrg(name: string): Promise<string> {
  const org = ok(await cli(['org', 'create', '--name', name]));
  return String(org.id);
}

let poort: TestPoort;
let orgId: string;

beforeAll(async () => {
  poort = await startPoort('cli', { MONGODB_URI });
  orgId = await createOrg('Praktijk De Linde');
});
afterAll(async () => {
  await poort?.close();
});

describe('org create', () => {
  test('prints the new organisation as JSON', async () => {
    const org = ok(await cli(['org', 'create', '--name', '  Zorggroep Noord  ', '--two-factor', 'required']));
    expect(org).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'Zorggroep Noord', twoFactor: 'required' });
    expect(await poort.container.organisations.get(String(org.id))).toMatchObject({ name: 'Zorggroep Noord', twoFactor: 'required' });
  });

  test('without --name: usage error naming --name', async () => {
    const stderr = failed(await cli(['org', 'create']), 2);
    expect(stderr).toContain('--name');
  });

  test('an unknown two-factor policy is refused', async () => {
    expect(failed(await cli(['org', 'create', '--name', 'X', '--two-factor', 'sometimes']), 2)).toContain('--two-factor');
  });
});

describe('account create + client create → a real login', () => {
  test('the account and client made by the CLI log in through Poort', async () => {
    const account = ok(await cli(['account', 'create', '--org', orgId, '--email', 'T.Therapeut@Example.org', '--role', 'professional', '--name', 'Tess Therapeut', '--password', PASSWORD]));
    expect(account).toEqual({ id: expect.any(String), organisationId: orgId, email: 't.therapeut@example.org', role: 'professional', status: 'active' });

    const client = ok(await cli(['client', 'create', '--org', orgId, '--redirect-uri', REDIRECT_URI, '--name', 'Platform', '--first-party']));
    expect(client).toEqual({ client_id: expect.any(String), client_secret: expect.any(String) });
    expect(String(client.client_secret).length).toBeGreaterThanOrEqual(43);

    const tenant = { clientId: String(client.client_id), clientSecret: String(client.client_secret) };
    const config = await discover(poort.issuer, tenant);
    const request = await authorizationRequest(config, REDIRECT_URI);
    const callback = await login(new Agent(), poort.issuer, request, 't.therapeut@example.org', PASSWORD);
    const tokens = await exchange(config, callback, request);
    expect(tokens.claims()).toMatchObject({ sub: account.id, aud: tenant.clientId, amr: ['pwd'] });
  });

  test('a public client gets no secret and logs in with PKCE alone', async () => {
    ok(await cli(['account', 'create', '--org', orgId, '--email', 'client@example.org', '--role', 'client', '--password', PASSWORD]));
    const created = ok(await cli(['client', 'create', '--org', orgId, '--redirect-uri', REDIRECT_URI, '--public', '--first-party']));
    expect(Object.keys(created)).toEqual(['client_id']);

    const config = await oidc.discovery(new URL(poort.issuer), String(created.client_id), undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const request = await authorizationRequest(config, REDIRECT_URI);
    const callback = await login(new Agent(), poort.issuer, request, 'client@example.org', PASSWORD);
    const tokens = await exchange(config, callback, request);
    expect(tokens.claims()?.aud).toBe(String(created.client_id));
  });

  test('an account in another organisation cannot log in through this client', async () => {
    const otherOrg = await createOrg('Andere praktijk');
    ok(await cli(['account', 'create', '--org', otherOrg, '--email', 'elders@example.org', '--role', 'professional', '--password', PASSWORD]));
    const client = ok(await cli(['client', 'create', '--org', orgId, '--redirect-uri', REDIRECT_URI, '--first-party']));
    const config = await discover(poort.issuer, { clientId: String(client.client_id), clientSecret: String(client.client_secret) });
    const request = await authorizationRequest(config, REDIRECT_URI);
    const agent = new Agent();
    const page = await submitLogin(agent, poort.issuer, await agent.follow(request.url.toString(), poort.issuer), 'elders@example.org', PASSWORD);
    expect(page.location ?? '').not.toContain(REDIRECT_URI);
    expect(page.status).toBe(200);
    expect(page.body).toContain('The e-mail address or password is incorrect.');
  });
});

describe('account create: bad input', () => {
  test('the same e-mail twice in one organisation: exit 1, clear message, the first account unchanged', async () => {
    const first = ok(await cli(['account', 'create', '--org', orgId, '--email', 'dubbel@example.org', '--role', 'manager', '--password', PASSWORD]));
    const stderr = failed(await cli(['account', 'create', '--org', orgId, '--email', 'DUBBEL@example.org', '--role', 'client']), 1);
    expect(stderr).toContain('already exists');
    expect(await poort.container.accounts.findByEmail(orgId, 'dubbel@example.org')).toMatchObject({ _id: first.id, role: 'manager', status: 'active' });
  });

  test('the same e-mail in another organisation is a different account', async () => {
    const otherOrg = await createOrg('Tweede praktijk');
    ok(await cli(['account', 'create', '--org', orgId, '--email', 'gedeeld@example.org', '--role', 'client']));
    const second = ok(await cli(['account', 'create', '--org', otherOrg, '--email', 'gedeeld@example.org', '--role', 'client']));
    expect(second).toMatchObject({ organisationId: otherOrg, status: 'invited' });
  });

  test('an unknown organisation: exit 1', async () => {
    const stderr = failed(await cli(['account', 'create', '--org', 'no-such-org', '--email', 'a@example.org', '--role', 'client']), 1);
    expect(stderr).toContain('organisation not found');
  });

  test('a weak password: exit 1 naming each broken rule, and no account', async () => {
    const stderr = failed(await cli(['account', 'create', '--org', orgId, '--email', 'zwak@example.org', '--role', 'client', '--password', 'kort']), 1);
    expect(stderr).toContain('password rejected');
    expect(stderr).toContain('at least 12 characters');
    expect(stderr).toContain('special character');
    expect(await poort.container.accounts.findByEmail(orgId, 'zwak@example.org')).toBeUndefined();
  });

  test('a password containing the e-mail name: exit 1', async () => {
    const stderr = failed(await cli(['account', 'create', '--org', orgId, '--email', 'jansen@example.org', '--role', 'client', '--password', 'Jansen-is-de-baas!']), 1);
    expect(stderr).toContain('e-mail address');
  });

  test.each([
    ['a bad e-mail', ['--email', 'not-an-address', '--role', 'client'], '--email'],
    ['an unknown role', ['--email', 'r@example.org', '--role', 'admin'], '--role'],
    ['a missing --email', ['--role', 'client'], '--email'],
    ['an unknown locale', ['--email', 'l@example.org', '--role', 'client', '--locale', 'de'], '--locale'],
  ])('%s: exit 2 naming the option', async (_label, args, option) => {
    const stderr = failed(await cli(['account', 'create', '--org', orgId, ...args]), 2);
    expect(stderr).toContain(option);
  });
});

describe('client create: options', () => {
  test('a confidential client may make PKCE optional', async () => {
    const created = ok(await cli(['client', 'create', '--org', orgId, '--redirect-uri', REDIRECT_URI, '--pkce', 'optional']));
    expect(created).toEqual({ client_id: expect.any(String), client_secret: expect.any(String) });
  });

  test('--public --pkce optional is refused with exit 2', async () => {
    const stderr = failed(await cli(['client', 'create', '--org', orgId, '--redirect-uri', REDIRECT_URI, '--public', '--pkce', 'optional']), 2);
    expect(stderr).toContain('--pkce');
    expect(stderr).toContain('public client always requires PKCE');
  });

  test.each([
    ['no redirect URI', [], '--redirect-uri'],
    ['a relative redirect URI', ['--redirect-uri', '/callback'], '--redirect-uri'],
    ['a redirect URI with a fragment', ['--redirect-uri', 'https://rp.example.org/cb#x'], '--redirect-uri'],
    ['an unknown auth method', ['--redirect-uri', REDIRECT_URI, '--auth-method', 'private_key_jwt'], '--auth-method'],
  ])('%s: exit 2 naming the option', async (_label, args, option) => {
    expect(failed(await cli(['client', 'create', '--org', orgId, ...args]), 2)).toContain(option);
  });

  test('an unknown organisation: exit 1', async () => {
    expect(failed(await cli(['client', 'create', '--org', 'no-such-org', '--redirect-uri', REDIRECT_URI]), 1)).toContain('organisation not found');
  });
});

describe('usage', () => {
  test('an unknown command: exit 2 with the usage on stderr', async () => {
    const stderr = failed(await cli(['org', 'delete', '--name', 'x']), 2);
    expect(stderr).toContain('unknown command "org delete"');
    expect(stderr).toContain('org create --name NAME');
    expect(stderr).toContain('account create --org ID');
  });

  test('no command at all: exit 2 with the usage', async () => {
    expect(failed(await cli([]), 2)).toContain('usage:');
  });

  test('an unknown option: exit 2 naming it', async () => {
    expect(failed(await cli(['org', 'create', '--name', 'x', '--colour', 'blue']), 2)).toContain('--colour');
  });

  test('a database command without MONGODB_URI in production: exit 2 naming the variables', async () => {
    const stderr = failed(await cli(['org', 'create', '--name', 'x'], { NODE_ENV: 'production', MONGODB_URI: undefined }), 2);
    expect(stderr).toContain('MONGODB_URI');
  });
});

describe('mail test', () => {
  let receiver: SmtpReceiver;
  beforeAll(async () => {
    receiver = await startSmtpReceiver();
  });
  afterAll(async () => {
    await receiver.stop();
  });

  test.each([
    ['en', [], 'Poort test message', 'This message confirms that Poort can send e-mail.'],
    ['nl', ['--locale', 'nl'], 'Testbericht van Poort', 'Dit bericht bevestigt dat Poort e-mail kan versturen.'],
  ])('sends the test message in %s to a real SMTP server', async (locale, extra, subject, body) => {
    const to = `operator-${locale}@example.org`;
    const result = ok(await cli(['mail', 'test', '--to', to, ...extra], { SMTP_URL: receiver.url, MAIL_FROM: 'Poort <poort@example.org>', MONGODB_URI: undefined }));
    expect(result).toEqual({ sent: true, to });
    const mail = await receiver.waitFor((m) => m.to.includes(to));
    expect(mail.subject).toBe(subject);
    expect(mail.from).toMatch(/^"?Poort"? <poort@example\.org>$/);
    expect(mail.text).toContain(body);
    expect(mail.html).toContain(`lang="${locale}"`);
  });

  test('without SMTP_URL: exit 1 naming SMTP_URL', async () => {
    expect(failed(await cli(['mail', 'test', '--to', 'ops@example.org']), 1)).toContain('SMTP_URL');
  });

  test('an SMTP server that does not answer: exit 1 naming the server, not the password', async () => {
    const stderr = failed(await cli(['mail', 'test', '--to', 'ops@example.org'], { SMTP_URL: 'smtp://ops:Geheim-99@127.0.0.1:1' }), 1);
    expect(stderr).toContain('127.0.0.1:1');
    expect(stderr).not.toContain('Geheim-99');
  });

  test('--to must be one address', async () => {
    expect(failed(await cli(['mail', 'test', '--to', 'a@example.org, b@example.org'], { SMTP_URL: receiver.url }), 2)).toContain('--to');
  });
});
