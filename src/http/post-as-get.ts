/**
 * OpenID Connect requires the authorization and logout endpoints to accept HTTP POST (form serialization) as well
 * as GET. oidc-provider offers POST only with SameSite=None session cookies: a cross-site form POST does not carry
 * SameSite=Lax cookies, so the person's session would be invisible. Poort keeps Lax cookies and answers such a POST
 * with a 303 to the same endpoint carrying the form as its query: the browser's GET then brings the session cookie.
 */
import type { Context, Next } from 'koa';
import { readForm } from './body.ts';
import { HttpError } from './problem.ts';

/**
 * The longest query the redirect may carry: the browser's next request must fit in the request-header limits of
 * Poort (Node: 16 kB in all) and of the proxies in front of it (8 kB per line is common).
 */
export const MAX_QUERY_BYTES = 8 * 1024;

export function postAsGet(paths: string[]) {
  const accepted = new Set(paths);
  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.method !== 'POST' || !accepted.has(ctx.path)) return next();
    const query = new URLSearchParams(await readForm(ctx)).toString();
    if (Buffer.byteLength(query) > MAX_QUERY_BYTES) throw new HttpError(413, 'body_too_large', 'error.tooLarge');
    ctx.status = 303;
    ctx.redirect(`${ctx.path}?${query}`);
  };
}
