import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, DEV_COOKIE_KEY, DEV_ENCRYPTION_KEY, generateJwks, loadConfig } from '../../../config/load.ts';

type Env = Record<string, string | undefined>;

/** A fresh working directory per test, so a development JWKS file never lands in the repository. */
let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(path.join(tmpdir(), 'poort-config-'));
});
afterEach(() => {
  rmSync(cwd, { recursive: true, force: true });
});

const jwks = JSON.stringify(generateJwks());
const production: Env = {
  NODE_ENV: 'production',
  ISSUER: 'https://login.example.org',
  MONGODB_URI: 'mongodb://db.internal:27017/poort',
  SMTP_URL: 'smtp://poort:secret@mail.internal:587',
  COOKIE_KEYS: 'k'.repeat(40),
  ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  JWKS: jwks,
};

/** The problems loadConfig reports for `env` (fails the test when it loads). */
function problems(env: Env): string[] {
  try {
    loadConfig(env, cwd);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** The variables named by the problems, i.e. the text before each colon. */
const named = (list: string[]): string[] => list.map((p) => p.split(':')[0] ?? '');

describe('development defaults', () => {
  test('an empty environment loads with development values', () => {
    const config = loadConfig({}, cwd);
    expect(config).toMatchObject({
      env: 'development',
      port: 3000,
      issuer: 'http://localhost:3000',
      mongodbUri: undefined,
      cookieKeys: [DEV_COOKIE_KEY],
      mailFrom: 'Poort <no-reply@localhost>',
      trustProxy: false,
      trustProxyHops: 1,
      databaseTimeout: 5,
      shutdownGrace: 10,
      sessionMaxAge: 43200,
      invitationTtl: 72 * 3600,
      stepUpMaxAge: 600,
      logLevel: 'info',
      devOutbox: true,
    });
    expect(config.encryptionKeys.map((k) => [k.kid, k.key.toString('base64')])).toEqual([['default', DEV_ENCRYPTION_KEY]]);
  });

  test('the development JWKS is generated once and kept in .data/', () => {
    const first = loadConfig({}, cwd);
    const file = path.join(cwd, '.data/dev-jwks.json');
    expect(existsSync(file)).toBe(true);
    const second = loadConfig({}, cwd);
    expect(second.jwks).toEqual(first.jwks);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(first.jwks);
  });

  test('the issuer follows PORT and loses a trailing slash', () => {
    expect(loadConfig({ PORT: '4100' }, cwd).issuer).toBe('http://localhost:4100');
    expect(loadConfig({ ISSUER: 'https://login.example.org/' }, cwd).issuer).toBe('https://login.example.org');
  });

  test('empty strings count as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '' }, cwd)).toMatchObject({ port: 3000, logLevel: 'info' });
  });

  test('with SMTP_URL, mail goes over SMTP instead of the dev outbox', () => {
    expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525' }, cwd).devOutbox).toBe(false);
  });
});

describe('test environment', () => {
  test('a JWKS is generated per process, with a private RSA and a private EC key, and nothing is written', () => {
    const a = loadConfig({ NODE_ENV: 'test' }, cwd);
    const b = loadConfig({ NODE_ENV: 'test' }, cwd);
    expect(existsSync(path.join(cwd, '.data'))).toBe(false);
    const rsa = a.jwks.keys.find((k) => k.kty === 'RSA');
    const ec = a.jwks.keys.find((k) => k.kty === 'EC');
    expect(rsa).toMatchObject({ alg: 'RS256', use: 'sig', d: expect.any(String) });
    expect(ec).toMatchObject({ alg: 'ES256', crv: 'P-256', use: 'sig', d: expect.any(String) });
    expect(b.jwks.keys[0]?.kid).not.toBe(rsa?.kid);
  });
});

describe('each invalid variable is named', () => {
  const ecOnly = JSON.stringify({ keys: generateJwks().keys.filter((k) => k.kty === 'EC') });
  const publicOnly = JSON.stringify({ keys: generateJwks().keys.map(({ d: _d, ...pub }) => pub) });
  test.each([
    ['PORT', 'PORT=abc', { PORT: 'abc' }],
    ['PORT', 'PORT=70000', { PORT: '70000' }],
    ['ISSUER', 'ISSUER=ftp://x', { ISSUER: 'ftp://x' }],
    ['ISSUER', 'ISSUER is not a URL', { ISSUER: 'not a url' }],
    ['MONGODB_URI', 'MONGODB_URI=postgres://', { MONGODB_URI: 'postgres://db/poort' }],
    ['SMTP_URL', 'SMTP_URL=http://x', { SMTP_URL: 'http://x' }],
    ['TRUST_PROXY', 'TRUST_PROXY=maybe', { TRUST_PROXY: 'maybe' }],
    ['TRUST_PROXY_HOPS', 'TRUST_PROXY_HOPS=0', { TRUST_PROXY_HOPS: '0' }],
    ['TRUST_PROXY_HOPS', 'TRUST_PROXY_HOPS=1.5', { TRUST_PROXY_HOPS: '1.5' }],
    ['TRUST_PROXY_HOPS', 'TRUST_PROXY_HOPS=all', { TRUST_PROXY_HOPS: 'all' }],
    ['DATABASE_TIMEOUT', 'DATABASE_TIMEOUT=0', { DATABASE_TIMEOUT: '0' }],
    ['SHUTDOWN_GRACE', 'SHUTDOWN_GRACE=later', { SHUTDOWN_GRACE: 'later' }],
    ['SESSION_MAX_AGE', 'SESSION_MAX_AGE=soon', { SESSION_MAX_AGE: 'soon' }],
    ['SESSION_MAX_AGE', 'SESSION_MAX_AGE=0', { SESSION_MAX_AGE: '0' }],
    ['INVITATION_TTL', 'INVITATION_TTL=31d', { INVITATION_TTL: '31d' }],
    ['INVITATION_TTL', 'INVITATION_TTL=soon', { INVITATION_TTL: 'soon' }],
    ['STEP_UP_MAX_AGE', 'STEP_UP_MAX_AGE=5 minutes', { STEP_UP_MAX_AGE: '5 minutes' }],
    ['LOG_LEVEL', 'LOG_LEVEL=loud', { LOG_LEVEL: 'loud' }],
    ['NODE_ENV', 'NODE_ENV=staging', { NODE_ENV: 'staging' }],
    ['ENCRYPTION_KEY', 'ENCRYPTION_KEY of 16 bytes', { ENCRYPTION_KEY: Buffer.alloc(16, 1).toString('base64') }],
    ['COOKIE_KEYS', 'COOKIE_KEYS with a short key', { COOKIE_KEYS: `${'a'.repeat(40)},short` }],
    ['JWKS', 'JWKS not JSON', { JWKS: '{not json' }],
    ['JWKS', 'JWKS with only an EC key', { JWKS: ecOnly }],
    ['JWKS', 'JWKS with only public keys', { JWKS: publicOnly }],
    ['JWKS_FILE', 'JWKS_FILE missing', { JWKS_FILE: 'missing/jwks.json' }],
    ['SMS_WEBHOOK_SECRET', 'SMS_WEBHOOK_URL without secret', { SMS_WEBHOOK_URL: 'https://sms.example.org/hook' }],
    ['SMS_WEBHOOK_SECRET', 'SMS_WEBHOOK_SECRET too short', { SMS_WEBHOOK_URL: 'https://sms.example.org/hook', SMS_WEBHOOK_SECRET: 'too-short' }],
  ] as [string, string, Env][])('%s: %s', (variable, _label, env) => {
    const list = problems(env);
    expect(named(list)).toEqual([variable]);
    expect(list[0]).toMatch(new RegExp(`^${variable}: \\S`));
  });

  test('JWKS and JWKS_FILE together are refused', () => {
    writeFileSync(path.join(cwd, 'jwks.json'), jwks);
    expect(named(problems({ JWKS: jwks, JWKS_FILE: 'jwks.json' }))).toContain('JWKS_FILE');
  });

  test('a readable JWKS_FILE is used, relative to the working directory', () => {
    writeFileSync(path.join(cwd, 'jwks.json'), jwks);
    expect(loadConfig({ JWKS_FILE: 'jwks.json' }, cwd).jwks).toEqual(JSON.parse(jwks));
  });

  test('the error message lists every problem', () => {
    const error = (() => {
      try {
        loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' }, cwd);
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(/^Invalid configuration:\n/);
    expect(error?.message).toContain('  - PORT: ');
    expect(error?.message).toContain('  - LOG_LEVEL: ');
  });
});

describe('several problems are reported at once', () => {
  test('schema problems together', () => {
    const list = problems({ PORT: 'abc', ISSUER: 'ftp://x', TRUST_PROXY: 'maybe', LOG_LEVEL: 'loud', SESSION_MAX_AGE: 'soon' });
    expect(named(list).sort()).toEqual(['ISSUER', 'LOG_LEVEL', 'PORT', 'SESSION_MAX_AGE', 'TRUST_PROXY']);
  });

  test('key and JWKS problems together', () => {
    const list = problems({ COOKIE_KEYS: 'short', ENCRYPTION_KEY: 'c2hvcnQ=', JWKS: '[]', SMS_WEBHOOK_URL: 'https://sms.example.org' });
    expect(named(list).sort()).toEqual(['COOKIE_KEYS', 'ENCRYPTION_KEY', 'JWKS', 'SMS_WEBHOOK_SECRET']);
  });

  test('a malformed variable does not hide the production requirements', () => {
    const list = problems({ NODE_ENV: 'production', PORT: 'abc', ISSUER: 'ftp://x' });
    expect(named(list).sort()).toEqual(['COOKIE_KEYS', 'ENCRYPTION_KEY', 'ISSUER', 'JWKS', 'MONGODB_URI', 'PORT', 'SMTP_URL']);
    // The malformed ISSUER is reported once, as malformed.
    expect(list.filter((p) => p.startsWith('ISSUER')).join()).not.toMatch(/required/);
  });
});

describe('production', () => {
  test('a complete production environment loads', () => {
    const config = loadConfig({ ...production, TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '2', SESSION_MAX_AGE: '8h', PORT: '8080' }, cwd);
    expect(config).toMatchObject({
      env: 'production',
      port: 8080,
      issuer: 'https://login.example.org',
      mongodbUri: production.MONGODB_URI,
      smtpUrl: production.SMTP_URL,
      cookieKeys: ['k'.repeat(40)],
      trustProxy: true,
      trustProxyHops: 2,
      sessionMaxAge: 8 * 3600,
      devOutbox: false,
    });
    expect(config.encryptionKeys).toEqual([{ kid: 'default', key: Buffer.alloc(32, 1) }]);
    expect(config.jwks).toEqual(JSON.parse(jwks));
    expect(existsSync(path.join(cwd, '.data'))).toBe(false);
  });

  test('cookie keys rotate: several comma-separated keys, newest first', () => {
    const keys = ['n'.repeat(32), 'o'.repeat(32)];
    expect(loadConfig({ ...production, COOKIE_KEYS: ` ${keys[0]} , ${keys[1]}` }, cwd).cookieKeys).toEqual(keys);
  });

  test('nothing set: every missing variable is named', () => {
    const list = problems({ NODE_ENV: 'production' });
    expect(named(list).sort()).toEqual(['COOKIE_KEYS', 'ENCRYPTION_KEY', 'ISSUER', 'JWKS', 'MONGODB_URI', 'SMTP_URL']);
    // No development keys are generated or written in production.
    expect(existsSync(path.join(cwd, '.data'))).toBe(false);
  });

  test.each(['ISSUER', 'MONGODB_URI', 'SMTP_URL', 'COOKIE_KEYS', 'ENCRYPTION_KEY', 'JWKS'])('refuses a missing %s', (variable) => {
    const list = problems({ ...production, [variable]: undefined });
    expect(named(list)).toContain(variable);
    expect(list.join('\n')).toMatch(new RegExp(`${variable}: required in production`));
  });

  test('refuses an http issuer', () => {
    expect(problems({ ...production, ISSUER: 'http://login.example.org' })).toEqual(['ISSUER: must be an https URL in production']);
  });

  test('refuses the development cookie key, also beside a good one', () => {
    expect(named(problems({ ...production, COOKIE_KEYS: DEV_COOKIE_KEY }))).toEqual(['COOKIE_KEYS']);
    expect(named(problems({ ...production, COOKIE_KEYS: `${'k'.repeat(40)},${DEV_COOKIE_KEY}` }))).toEqual(['COOKIE_KEYS']);
  });

  test('refuses the development encryption key', () => {
    expect(problems({ ...production, ENCRYPTION_KEY: DEV_ENCRYPTION_KEY })).toEqual(['ENCRYPTION_KEY: the development key is refused in production']);
  });

  test('JWKS_FILE satisfies the JWKS requirement', () => {
    writeFileSync(path.join(cwd, 'keys.json'), jwks);
    expect(loadConfig({ ...production, JWKS: undefined, JWKS_FILE: 'keys.json' }, cwd).jwks).toEqual(JSON.parse(jwks));
  });
});

describe('durations', () => {
  test.each([
    ['90s', 90],
    ['10m', 600],
    ['12h', 43200],
    ['7d', 604800],
    ['3600', 3600],
    [' 15m ', 900],
  ])('SESSION_MAX_AGE=%j is %i seconds', (value, seconds) => {
    expect(loadConfig({ NODE_ENV: 'test', SESSION_MAX_AGE: value }, cwd).sessionMaxAge).toBe(seconds);
    expect(loadConfig({ NODE_ENV: 'test', STEP_UP_MAX_AGE: value }, cwd).stepUpMaxAge).toBe(seconds);
    expect(loadConfig({ NODE_ENV: 'test', DATABASE_TIMEOUT: value }, cwd).databaseTimeout).toBe(seconds);
    expect(loadConfig({ NODE_ENV: 'test', SHUTDOWN_GRACE: value }, cwd).shutdownGrace).toBe(seconds);
  });

  test.each(['soon', '10 m', '1.5h', '-5', '10w', '0s'])('refuses %j', (value) => {
    expect(named(problems({ NODE_ENV: 'test', SESSION_MAX_AGE: value }))).toEqual(['SESSION_MAX_AGE']);
  });
});
