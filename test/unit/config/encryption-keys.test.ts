/** ENCRYPTION_KEYS (`kid:base64key,…`, the sealing key first) and its single-key form ENCRYPTION_KEY. */
import { ConfigError, DEV_ENCRYPTION_KEY, generateJwks, loadConfig } from '../../../config/load.ts';

type Env = Record<string, string | undefined>;

const b64 = (fill: number): string => Buffer.alloc(32, fill).toString('base64');
const production: Env = {
  NODE_ENV: 'production',
  ISSUER: 'https://login.example.org',
  MONGODB_URI: 'mongodb://db.internal:27017/poort',
  SMTP_URL: 'smtp://poort:secret@mail.internal:587',
  COOKIE_KEYS: 'k'.repeat(40),
  JWKS: JSON.stringify(generateJwks()),
  ENCRYPTION_KEYS: `k2:${b64(2)},k1:${b64(1)}`,
};
const test_: Env = { NODE_ENV: 'test' };

function problems(env: Env): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

test('the keys load in the order given, each with its kid', () => {
  expect(loadConfig(production).encryptionKeys).toEqual([{ kid: 'k2', key: Buffer.alloc(32, 2) }, { kid: 'k1', key: Buffer.alloc(32, 1) }]);
});

test('spaces around entries are ignored', () => {
  expect(loadConfig({ ...test_, ENCRYPTION_KEYS: ` a:${b64(3)} , b:${b64(4)} ` }).encryptionKeys.map((k) => k.kid)).toEqual(['a', 'b']);
});

test('ENCRYPTION_KEY is the single-key form, key id `default`', () => {
  expect(loadConfig({ ...test_, ENCRYPTION_KEY: b64(5) }).encryptionKeys).toEqual([{ kid: 'default', key: Buffer.alloc(32, 5) }]);
});

test('setting both is refused', () => {
  expect(problems({ ...test_, ENCRYPTION_KEY: b64(5), ENCRYPTION_KEYS: `a:${b64(3)}` })).toEqual(['ENCRYPTION_KEYS: set either ENCRYPTION_KEY or ENCRYPTION_KEYS, not both']);
});

test.each([
  ['an entry without a kid', `${b64(3)}`, 'ENCRYPTION_KEYS: entry 1: must be kid:base64key'],
  ['a kid with a dot', `a.b:${b64(3)}`, 'ENCRYPTION_KEYS: entry 1: the key id must be 1 to 32 letters, digits, - or _'],
  ['an empty kid', `:${b64(3)}`, 'ENCRYPTION_KEYS: entry 1: the key id must be 1 to 32 letters, digits, - or _'],
  ['a kid of 33 characters', `${'k'.repeat(33)}:${b64(3)}`, 'ENCRYPTION_KEYS: entry 1: the key id must be 1 to 32 letters, digits, - or _'],
  ['a key of 16 bytes', `a:${Buffer.alloc(16, 3).toString('base64')}`, 'ENCRYPTION_KEYS: key a must be 32 bytes, base64-encoded'],
  ['a key that is not base64', `a:${'!'.repeat(44)}`, 'ENCRYPTION_KEYS: key a must be 32 bytes, base64-encoded'],
  ['a kid twice', `a:${b64(3)},a:${b64(4)}`, 'ENCRYPTION_KEYS: key id a appears more than once'],
  ['one key under two kids', `a:${b64(3)},b:${b64(3)}`, 'ENCRYPTION_KEYS: key b repeats an earlier key'],
  ['only commas', ',,', 'ENCRYPTION_KEYS: give at least one kid:base64key entry'],
])('refuses %s', (_label, value, problem) => {
  expect(problems({ ...test_, ENCRYPTION_KEYS: value })).toEqual([problem]);
});

test('every problem of the list is reported at once', () => {
  expect(problems({ ...test_, ENCRYPTION_KEYS: `a.b:${b64(3)},c:short,${b64(4)}` })).toHaveLength(3);
});

test('production refuses the development key as the sealing key', () => {
  expect(problems({ ...production, ENCRYPTION_KEYS: `dev:${DEV_ENCRYPTION_KEY},k1:${b64(1)}` })).toEqual(['ENCRYPTION_KEYS: key dev is the development key, refused in production']);
});

test('production refuses the development key behind a good one', () => {
  expect(problems({ ...production, ENCRYPTION_KEYS: `k1:${b64(1)},default:${DEV_ENCRYPTION_KEY}` })).toEqual(['ENCRYPTION_KEYS: key default is the development key, refused in production']);
});

test('production needs ENCRYPTION_KEY or ENCRYPTION_KEYS', () => {
  expect(problems({ ...production, ENCRYPTION_KEYS: undefined })).toEqual(['ENCRYPTION_KEY: required in production (or ENCRYPTION_KEYS)']);
});
