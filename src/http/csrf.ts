/**
 * CSRF protection for Poort's own forms: a random token kept in a signed, httpOnly, SameSite=Lax cookie and
 * repeated in a hidden field; a state-changing request must carry both and they must match (constant time).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { HttpError } from './problem.ts';

const COOKIE = 'poort.csrf';
export const CSRF_FIELD = 'csrf';

/** Middleware: makes `ctx.state.csrfToken` available to views (creating the cookie when missing). */
export async function csrfToken(ctx: Context, next: Next): Promise<void> {
  let token = ctx.cookies.get(COOKIE, { signed: true });
  if (!token || !/^[\w-]{43}$/.test(token)) {
    token = randomBytes(32).toString('base64url');
    ctx.cookies.set(COOKIE, token, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/', overwrite: true });
  }
  ctx.state.csrfToken = token;
  await next();
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * True when `sent` is the token `expected`. Both are hashed first: timingSafeEqual throws on inputs of different
 * byte lengths, and a field of the right length in characters can still differ in bytes (one "é" is two bytes).
 * Equal-length digests also keep the comparison from telling the token's length. Never throws.
 */
export function tokensMatch(expected: unknown, sent: unknown): boolean {
  if (typeof expected !== 'string' || typeof sent !== 'string' || expected === '') return false;
  return timingSafeEqual(digest(expected), digest(sent));
}

export function verifyCsrf(ctx: Context, form: Record<string, string>): void {
  const cookie = ctx.cookies.get(COOKIE, { signed: true });
  if (!tokensMatch(cookie, form[CSRF_FIELD])) throw new HttpError(403, 'csrf_failed', 'error.csrf');
}
