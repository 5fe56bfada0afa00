/**
 * The welcome link's token is a path segment: the request log shows it taken out, and nothing of the welcome (token,
 * link, new password) reaches the log at debug level — also for a fresh-link request and odd spellings of the path.
 */
import { Agent, inputValue } from '../../support/browser.ts';
import { createTenant, type TestPoort } from '../../support/poort.ts';
import { captureLog, startLoggedPoort } from '../../support/security.ts';

const log = captureLog('debug');
let poort: TestPoort;

beforeAll(async () => {
  poort = await startLoggedPoort('welcome-log', log.logger);
});
afterAll(async () => {
  await poort.close();
});

test('a whole welcome (mail, page, refused and good password, fresh link, replays) leaves no token or password in the log', async () => {
  const tenant = await createTenant(poort);
  const account = await poort.container.accounts.create({ organisationId: tenant.organisationId, email: 'logged.nowhere@example.org', role: 'client' });
  const { link } = await poort.container.invitations.send(account._id, { role: 'operator' });
  const token = link.slice(link.lastIndexOf('/') + 1);
  const browser = new Agent();
  const page = await browser.request(link);
  const csrf = inputValue(page.body, 'csrf') ?? '';
  await browser.request(link, { form: { csrf, password: 'weak', confirm: 'weak' } });
  const password = 'Not in any log, ever 7!';
  const done = await browser.request(link, { form: { csrf, password, confirm: password } });
  expect(done.status).toBe(303);
  const fresh = await browser.request(`${link}/fresh`, { form: { csrf } });
  await browser.request(fresh.location ?? '');
  await poort.container.invitations.settle();
  for (const path of [`/welcome/${token}`, `/Welcome/${token}`, `/welcome/${token}/`, `/welcome/${token}/fresh`]) {
    await new Agent().request(`${poort.issuer}${path}`);
  }

  const text = log.text();
  expect(text).toContain('"path":"/welcome/[token]"');
  expect(text).toContain('"path":"/welcome/[token]/fresh"');
  expect(text).toContain('"path":"/welcome/sent"');
  expect(text).toContain('"purpose":"welcome"');
  for (const [name, value] of Object.entries({ token, tokenStart: token.slice(0, 16), password })) {
    expect({ name, found: text.includes(value) }).toEqual({ name, found: false });
  }
});
