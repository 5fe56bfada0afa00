/**
 * `client create --backchannel-logout-uri`: https, or http only on localhost / 127.0.0.1, like the client's other
 * URIs; the client is then registered for back-channel logout with the session (`sid`) required.
 */
import { cliFor, failed, ok } from '../../support/cli.ts';
import { testDatabaseUri } from '../../support/database.ts';
import { startPoort, type TestPoort } from '../../support/poort.ts';

const MONGODB_URI = testDatabaseUri(import.meta.url);
const cli = cliFor(MONGODB_URI);

let poort: TestPoort;
let organisationId: string;

beforeAll(async () => {
  poort = await startPoort('bcl-registration', { MONGODB_URI });
  organisationId = (await poort.container.organisations.create({ name: 'Praktijk Uitlog' }))._id;
});
afterAll(async () => {
  await poort.close();
});

const create = (uri: string) =>
  cli(['client', 'create', '--org', organisationId, '--redirect-uri', 'https://platform.example.org/cb', '--backchannel-logout-uri', uri]);

test('an https backchannel_logout_uri is registered, with the session required', async () => {
  const { client_id: clientId } = ok(await create('https://platform.example.org/backchannel-logout'));
  const metadata = await poort.container.clients.metadataFor(String(clientId));
  expect({ uri: metadata?.backchannel_logout_uri, session: metadata?.backchannel_logout_session_required })
    .toEqual({ uri: 'https://platform.example.org/backchannel-logout', session: true });
});

test('http on 127.0.0.1 is accepted (a platform on the developer\'s machine)', async () => {
  ok(await create('http://127.0.0.1:4000/backchannel-logout'));
});

test('http elsewhere is refused, naming the option (exit 2)', async () => {
  expect(failed(await create('http://platform.example.org/backchannel-logout'), 2)).toContain('--backchannel-logout-uri: must be an https URL');
});

test('a fragment is refused (exit 2)', async () => {
  expect(failed(await create('https://platform.example.org/backchannel-logout#x'), 2)).toContain('--backchannel-logout-uri');
});
