/**
 * The password meter: served by the assets router as JavaScript (the pages allow scripts from 'self' only), rendered
 * by the password-rules mixins hidden and with its texts in data attributes, and its rough local estimate.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Koa from 'koa';
import pug from 'pug';
import { preparePasswordStrength } from '../../../src/auth/password-strength.ts';
import { createAssetsRouter } from '../../../src/http/assets.ts';
import { translator } from '../../../src/i18n/index.ts';

const ASSETS_DIR = fileURLToPath(new URL('../../../assets', import.meta.url));
const VIEWS_DIR = fileURLToPath(new URL('../../../views', import.meta.url));
const METER_FILE = `${ASSETS_DIR}/password-meter.js`;

type Estimate = (password: string, minLength: number) => { score: number; missing: string[] };

let server: Server;
let base: string;
let estimate: Estimate;

beforeAll(async () => {
  const app = new Koa();
  app.use(createAssetsRouter(ASSETS_DIR).routes());
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ({ estimate } = (await import(pathToFileURL(METER_FILE).href)) as { estimate: Estimate });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  // The router started loading the dictionaries; let that finish inside the test environment.
  await preparePasswordStrength();
});

describe('serving', () => {
  test('/assets/password-meter.js is JavaScript', async () => {
    const response = await fetch(`${base}/assets/password-meter.js`);
    expect({ status: response.status, type: response.headers.get('content-type') }).toEqual({ status: 200, type: 'text/javascript; charset=utf-8' });
  });

  test('it is the file, cached like the stylesheet', async () => {
    const response = await fetch(`${base}/assets/password-meter.js`);
    expect({ cache: response.headers.get('cache-control'), body: await response.text() })
      .toEqual({ cache: 'public, max-age=3600', body: readFileSync(METER_FILE, 'utf8') });
  });

  test('the stylesheet is still served', async () => {
    const response = await fetch(`${base}/assets/poort.css`);
    expect(response.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });
});

describe('the mixins', () => {
  const render = (locale: 'en' | 'nl'): string => pug.render([
    'doctype html',
    'include /partials/password-rules',
    "+passwordField(t, 'new-password', 'password', 'account.password.new', 'new-password')(autofocus)",
    "  +passwordRules(t, 12, '/tips')",
  ].join('\n'), { basedir: VIEWS_DIR, filename: `${VIEWS_DIR}/test.pug`, t: translator(locale) });

  test('the field is a new-password input the meter follows, described by the rules', () => {
    expect(render('en')).toContain('<input id="new-password" type="password" name="password" autocomplete="new-password" required maxlength="1024" aria-describedby="new-password-rules" data-meter autofocus>');
  });

  test('the rules are listed before typing, with the link to tips', () => {
    const html = render('en');
    expect([html.includes('at least 12 characters'), html.includes('<a href="/tips">Tips for a strong password</a>')]).toEqual([true, true]);
  });

  test('the meter starts hidden, with its texts in data attributes in the page\'s language', () => {
    expect(render('nl')).toMatch(/<div class="password-meter" id="new-password-meter" hidden data-meter-for="new-password" data-min-length="12" data-label="Sterkte van het wachtwoord" data-score-0="Heel zwak"/);
  });

  test('the script is loaded from the server, not inline', () => {
    expect(render('en')).toContain('<script type="module" src="/assets/password-meter.js"></script>');
  });
});

describe('the local estimate', () => {
  test.each<[string, number, string[]]>([
    ['', 0, ['tooShort', 'noSpecial']],
    ['sh!rt', 0, ['tooShort']],
    ['abcdefghijklmnop', 1, ['noSpecial']],
    ['aaaaaaaaaaa!', 1, []],
    ['x7#Kq9!mZ2@v', 2, []],
    ['Correct horse battery!', 3, []],
    ['correct horse battery staple', 4, []],
  ])('%j scores %i', (password, score, missing) => {
    expect(estimate(password, 12)).toEqual({ score, missing });
  });
});
