/**
 * A client's `initiate_login_uri` (OpenID Connect Registration; Core §4): set with `client create
 * --initiate-login-uri`, published to oidc-provider as standard client metadata, and the way Poort finds an
 * organisation's platform (`platformOf`: where "back to the platform" and a welcome's "straight in" lead).
 */
import { cliFor, failed, ok } from '../../support/cli.ts';
import { testDatabaseUri } from '../../support/database.ts';
import { startPoort, type TestPoort } from '../../support/poort.ts';

const MONGODB_URI = testDatabaseUri(import.meta.url);
const REDIRECT_URI = 'https://platform.example.org/callback';
const LOGIN_URI = 'https://platform.example.org/login';

const cli = cliFor(MONGODB_URI);

let poort: TestPoort;

beforeAll(async () => {
  poort = await startPoort('initiate-login-uri', { MONGODB_URI });
});
afterAll(async () => {
  await poort?.close();
});

let counter = 0;
async function newOrg(): Promise<string> {
  counter += 1;
  return (await poort.container.organisations.create({ name: `Praktijk ${counter}` }))._id;
}

/** A client made with the CLI; `--org` and a redirect URI are added. */
async function cliClient(organisationId: string, ...args: string[]): Promise<string> {
  return String(ok(await cli(['client', 'create', '--org', organisationId, '--redirect-uri', REDIRECT_URI, ...args])).client_id);
}

/** A client made through the store, dated `createdAt` (the order platformOf goes by). */
async function clientCreated(organisationId: string, createdAt: string, options: { firstParty?: boolean; initiateLoginUri?: string; name?: string } = {}): Promise<string> {
  const { clientId } = await poort.container.clients.create({ organisationId, redirectUris: [REDIRECT_URI], firstParty: options.firstParty ?? true, initiateLoginUri: options.initiateLoginUri, name: options.name });
  // The raw collection: mongoose keeps its own timestamps immutable.
  await poort.container.db.collection<{ _id: string }>('clients').updateOne({ _id: clientId }, { $set: { createdAt: new Date(createdAt) } });
  return clientId;
}

describe('client create --initiate-login-uri', () => {
  test('oidc-provider sees the URI as the client\'s initiate_login_uri', async () => {
    const clientId = await cliClient(await newOrg(), '--initiate-login-uri', LOGIN_URI);
    const client = await poort.provider.Client.find(clientId);
    expect(client?.metadata().initiate_login_uri).toBe(LOGIN_URI);
  });

  test('a client without one has none', async () => {
    const clientId = await cliClient(await newOrg());
    const client = await poort.provider.Client.find(clientId);
    expect(client?.metadata().initiate_login_uri).toBeUndefined();
  });

  test('http on localhost is accepted for a development platform and kept for Poort', async () => {
    const organisationId = await newOrg();
    const clientId = await cliClient(organisationId, '--first-party', '--initiate-login-uri', 'http://localhost:3000/login');
    expect(await poort.container.clients.platformOf(organisationId)).toEqual({ clientId, initiateLoginUri: 'http://localhost:3000/login' });
  });

  test('a client with an http localhost URI still loads in oidc-provider, which takes only https ones', async () => {
    const clientId = await cliClient(await newOrg(), '--initiate-login-uri', 'http://127.0.0.1:3000/login');
    const client = await poort.provider.Client.find(clientId);
    expect({ found: client?.clientId, uri: client?.metadata().initiate_login_uri }).toEqual({ found: clientId, uri: undefined });
  });

  test.each([
    ['plain http elsewhere', 'http://platform.example.org/login'],
    ['another scheme', 'ftp://platform.example.org/login'],
    ['a relative URI', '/login'],
    ['a fragment', 'https://platform.example.org/login#start'],
    ['credentials in the URI', 'https://user:secret@platform.example.org/login'],
  ])('%s: exit 2 naming --initiate-login-uri', async (_label, uri) => {
    const organisationId = await newOrg();
    expect(failed(await cli(['client', 'create', '--org', organisationId, '--redirect-uri', REDIRECT_URI, '--initiate-login-uri', uri]), 2)).toContain('--initiate-login-uri');
  });

  test('the client store refuses plain http elsewhere too', async () => {
    const create = poort.container.clients.create({ organisationId: await newOrg(), redirectUris: [REDIRECT_URI], initiateLoginUri: 'http://platform.example.org/login' });
    await expect(create).rejects.toThrow('initiate_login_uri must be an https URL');
  });
});

describe('platformOf', () => {
  test('the first-party client with an initiate_login_uri, though an older one has none', async () => {
    const organisationId = await newOrg();
    await clientCreated(organisationId, '2026-01-01T00:00:00Z');
    const platform = await clientCreated(organisationId, '2026-01-02T00:00:00Z', { initiateLoginUri: LOGIN_URI, name: 'Platform' });
    expect(await poort.container.clients.platformOf(organisationId)).toEqual({ clientId: platform, name: 'Platform', initiateLoginUri: LOGIN_URI });
  });

  test('of two first-party clients with one, the oldest', async () => {
    const organisationId = await newOrg();
    await clientCreated(organisationId, '2026-01-03T00:00:00Z', { initiateLoginUri: 'https://newer.example.org/login' });
    const oldest = await clientCreated(organisationId, '2026-01-02T00:00:00Z', { initiateLoginUri: LOGIN_URI });
    expect((await poort.container.clients.platformOf(organisationId))?.clientId).toBe(oldest);
  });

  test('a third-party client\'s initiate_login_uri does not count', async () => {
    const organisationId = await newOrg();
    await clientCreated(organisationId, '2026-01-01T00:00:00Z', { firstParty: false, initiateLoginUri: 'https://partner.example.org/login' });
    const firstParty = await clientCreated(organisationId, '2026-01-02T00:00:00Z');
    expect(await poort.container.clients.platformOf(organisationId)).toEqual({ clientId: firstParty });
  });

  test('without any initiate_login_uri: the oldest first-party client', async () => {
    const organisationId = await newOrg();
    await clientCreated(organisationId, '2026-01-03T00:00:00Z');
    const oldest = await clientCreated(organisationId, '2026-01-02T00:00:00Z', { name: 'Oldest' });
    expect(await poort.container.clients.platformOf(organisationId)).toEqual({ clientId: oldest, name: 'Oldest' });
  });

  test('an organisation without first-party clients has no platform', async () => {
    const organisationId = await newOrg();
    await clientCreated(organisationId, '2026-01-01T00:00:00Z', { firstParty: false, initiateLoginUri: LOGIN_URI });
    expect(await poort.container.clients.platformOf(organisationId)).toBeUndefined();
  });

  test('another organisation\'s platform is never it', async () => {
    const organisationId = await newOrg();
    await clientCreated(await newOrg(), '2026-01-01T00:00:00Z', { initiateLoginUri: LOGIN_URI });
    expect(await poort.container.clients.platformOf(organisationId)).toBeUndefined();
  });
});
