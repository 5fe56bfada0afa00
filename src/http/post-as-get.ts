/**
 * OpenID Connect requires the authorization and logout endpoints to accept HTTP POST (form serialization) as well
 * as GET. oidc-provider offers POST only with SameSite=None session cookies: a cross-site form POST does not carry
 * SameSite=Lax cookies, so the person's session would be invisible. Poort keeps Lax cookies and answers such a POST
 * with a 303 to the same endpoint carrying the form as its query: the browser's GET then brings the session cookie.
 */
import type { Context, Next } from 'koa';
import { readForm } from './body.ts';

export function postAsGet(paths: string[]) {
  const accepted = new Set(paths);
  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.method !== 'POST' || !accepted.has(ctx.path)) return next();
    const form = await readForm(ctx);
    ctx.status = 303;
    ctx.redirect(`${ctx.path}?${new URLSearchParams(form).toString()}`);
  };
}
