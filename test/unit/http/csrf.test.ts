/**
 * The CSRF check compares the token of the signed cookie with the form's field: a match passes, anything else —
 * missing, shorter, longer, the right length in characters but not in bytes — is a 403, never an exception of
 * another kind (which would become a 500 page).
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { HttpError } from '../../../src/http/problem.ts';
import { CSRF_FIELD, tokensMatch, verifyCsrf } from '../../../src/http/csrf.ts';

const token = randomBytes(32).toString('base64url');

/** A request whose signed CSRF cookie holds `cookie` (undefined: no cookie, or a bad signature). */
function requestWith(cookie: string | undefined): Context {
  return { cookies: { get: () => cookie } } as unknown as Context;
}

function refusal(cookie: string | undefined, form: Record<string, string>): unknown {
  try {
    verifyCsrf(requestWith(cookie), form);
    return undefined;
  } catch (error) {
    return error;
  }
}

function expectRefused(cookie: string | undefined, form: Record<string, string>): void {
  const error = refusal(cookie, form);
  expect(error).toBeInstanceOf(HttpError);
  expect(error).toMatchObject({ status: 403, code: 'csrf_failed', messageKey: 'error.csrf' });
}

test('the token of the cookie passes', () => {
  expect(token).toHaveLength(43);
  expect(refusal(token, { [CSRF_FIELD]: token, email: 'a@example.org' })).toBeUndefined();
});

test.each([
  ['one multibyte character (43 characters, 44 bytes)', `é${token.slice(1)}`],
  ['all multibyte characters', 'é'.repeat(43)],
  ['a character outside the BMP (43 UTF-16 units)', `😀${token.slice(2)}`],
  ['a lone surrogate', `\uD800${token.slice(1)}`],
  ['a NUL character', `\u0000${token.slice(1)}`],
  ['one character changed', `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`],
  ['one character short', token.slice(0, -1)],
  ['one character more', `${token}A`],
  ['the token twice', token + token],
  ['an empty value', ''],
  ['64 kB', 'x'.repeat(64 * 1024)],
])('a token with %s is refused with 403', (_name, sent) => {
  expectRefused(token, { [CSRF_FIELD]: sent });
});

test('no field, or no cookie, is refused with 403', () => {
  expectRefused(token, {});
  expectRefused(undefined, { [CSRF_FIELD]: token });
  expectRefused(undefined, {});
  expectRefused('', { [CSRF_FIELD]: '' });
});

test('a form without a prototype (as the body parser makes them) is read like any other', () => {
  const form = Object.create(null) as Record<string, string>;
  form[CSRF_FIELD] = token;
  expect(refusal(token, form)).toBeUndefined();
  expectRefused(token, Object.create(null) as Record<string, string>);
});

test('tokensMatch answers false for anything that is not the same non-empty string', () => {
  expect(tokensMatch(token, token)).toBe(true);
  for (const sent of [undefined, null, 42, [token], { toString: () => token }, `é${token.slice(1)}`]) {
    expect(tokensMatch(token, sent)).toBe(false);
  }
  expect(tokensMatch(undefined, undefined)).toBe(false);
  expect(tokensMatch('', '')).toBe(false);
});
