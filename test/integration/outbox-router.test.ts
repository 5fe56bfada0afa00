import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import { createOutboxRouter } from '../../src/dev/outbox-router.ts';
import { createLogger } from '../../src/log.ts';
import { createMailer } from '../../src/notify/mailer.ts';
import { createOutbox } from '../../src/notify/outbox.ts';

const viewsDir = fileURLToPath(new URL('../../views', import.meta.url));
const outbox = createOutbox();
const mailer = createMailer({ from: 'Poort <no-reply@localhost>', outbox, logger: createLogger('silent') });
let server: Server;
let base: string;

beforeAll(async () => {
  const app = new Koa();
  const router = createOutboxRouter(outbox, viewsDir);
  app.use(router.routes()).use(router.allowedMethods());
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => outbox.clear());

test('the list page shows sent mails newest first, with clickable links', async () => {
  await mailer.send({
    to: 'first@example.org', subject: 'First mail', text: 'old', html: '<p>old</p>', purpose: 'test',
  });
  await mailer.send({
    to: 'ann@example.org', subject: 'Reset your password',
    text: 'Open https://poort.test/reset?token=abc&x=1. It expires soon.', html: '<p>ignored</p>', purpose: 'password-reset',
  });
  outbox.add({ kind: 'sms', to: '+31600000000', text: 'Your code is 123456', purpose: 'otp' });

  const response = await fetch(`${base}/dev/outbox`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const page = await response.text();
  expect(page).toContain('<html lang="en">');
  expect(page).toContain('Reset your password');
  expect(page).toContain('ann@example.org');
  expect(page).toContain('<a href="https://poort.test/reset?token=abc&amp;x=1" rel="noreferrer">');
  expect(page).toContain('Your code is 123456');
  expect(page.indexOf('Your code is 123456')).toBeLessThan(page.indexOf('Reset your password'));
  expect(page.indexOf('Reset your password')).toBeLessThan(page.indexOf('First mail'));
  expect(page).not.toMatch(/<script|style=/i);
});

test('everything is escaped', async () => {
  await mailer.send({
    to: 'x@example.org', subject: '<script>alert(1)</script>', text: '<img src=x onerror=alert(1)>', html: '', purpose: 'test',
  });
  const page = await (await fetch(`${base}/dev/outbox`)).text();
  expect(page).not.toContain('<script>');
  expect(page).not.toContain('<img');
  expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
});

test('the JSON view lists the same messages', async () => {
  await mailer.send({ to: 'json@example.org', subject: 'As JSON', text: 'body', html: '<p>body</p>', purpose: 'test' });
  const response = await fetch(`${base}/dev/outbox.json`);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const messages = (await response.json()) as Array<Record<string, unknown>>;
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ kind: 'mail', to: 'json@example.org', subject: 'As JSON', text: 'body' });
  expect(typeof messages[0]?.['at']).toBe('string');
});

test('an empty outbox says so', async () => {
  const page = await (await fetch(`${base}/dev/outbox`)).text();
  expect(page).toContain('The outbox is empty.');
});

test('the outbox keeps only the newest messages up to its limit', () => {
  const small = createOutbox(2);
  for (const text of ['one', 'two', 'three']) small.add({ kind: 'sms', to: '+31600000000', text });
  expect(small.list().map((message) => message.text)).toEqual(['three', 'two']);
  small.clear();
  expect(small.list()).toEqual([]);
});
