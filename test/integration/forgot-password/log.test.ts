/**
 * The link's token is the one secret allowed in a URL, and only in the link path: the request log shows those paths
 * with the token taken out, and nothing of the reset (token, link, code, new password) reaches the log at debug level.
 */
import { message } from '../../support/account.ts';
import { Agent } from '../../support/browser.ts';
import { createTenant, type TestPoort } from '../../support/poort.ts';
import { freshLink, isPasswordForm, postLink } from '../../support/password-reset.ts';
import { captureLog, startLoggedPoort } from '../../support/security.ts';
import { enrolTotp, totpNow } from '../../support/two-factor.ts';

const log = captureLog('debug');
let poort: TestPoort;

beforeAll(async () => {
  poort = await startLoggedPoort('forgot-log', log.logger);
});
afterAll(async () => {
  await poort.close();
});

test('a whole reset (request, code, new password, replays, odd spellings of the path) leaves no token or secret in the log', async () => {
  const tenant = await createTenant(poort);
  const { secret } = await enrolTotp(poort, tenant);
  const link = await freshLink(poort, tenant);
  const token = link.slice(link.lastIndexOf('/') + 1);
  const browser = new Agent();
  const page = await browser.follow(link, poort.issuer);
  const code = totpNow(poort, secret);
  const verified = await postLink(poort, browser, link, page, '/code', { kind: 'code', code });
  expect(isPasswordForm(verified.page)).toBe(true);
  const password = 'Logged nowhere at all!';
  const done = await postLink(poort, browser, link, verified.page, '', { password, confirm: password });
  expect(done.page.body).toContain(message('reset.done.body'));
  // Replays and other spellings of the same path.
  for (const path of [`/reset-password/${token}`, `/reset-password/${token}/code`, `/Reset-Password/${token}`, `/reset-password/${token}/`]) {
    await browser.request(`${poort.issuer}${path}`);
  }

  const text = log.text();
  expect(text).toContain('"path":"/reset-password/[token]"');
  expect(text).toContain('"path":"/reset-password/[token]/code"');
  expect(text).toContain('"path":"/reset-password/done"');
  expect(text).toContain('"purpose":"password-reset"');
  for (const [name, value] of Object.entries({ token, tokenStart: token.slice(0, 16), password, code, secret })) {
    expect({ name, found: text.includes(value) }).toEqual({ name, found: false });
  }
});
