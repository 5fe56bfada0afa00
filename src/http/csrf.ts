/**
 * CSRF protection for Poort's own forms: a random token kept in a signed, httpOnly, SameSite=Lax cookie and
 * repeated in a hidden field; a state-changing request must carry both and they must match (constant time).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
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

export function verifyCsrf(ctx: Context, form: Record<string, string>): void {
  const cookie = ctx.cookies.get(COOKIE, { signed: true });
  const sent = form[CSRF_FIELD];
  const ok = typeof cookie === 'string' && typeof sent === 'string' && cookie.length === sent.length
    && timingSafeEqual(Buffer.from(cookie), Buffer.from(sent));
  if (!ok) throw new HttpError(403, 'csrf_failed', 'error.csrf');
}
