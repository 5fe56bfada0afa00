/**
 * With an https ISSUER every cookie Poort sets is Secure and every URL it publishes is https, so a request that did
 * not arrive over TLS (directly, or through a proxy trusted with TRUST_PROXY=true) cannot be served correctly. It is
 * refused with a clear 400 (`https_required`) instead of failing later with a 500 on a Secure cookie. Health checks
 * stay reachable over plain HTTP.
 */
import type { Context, Next } from 'koa';
import { badRequest } from './problem.ts';

export function httpsOnly(issuer: string, plainHttpPaths: string[]) {
  const open = new Set(plainHttpPaths);
  const required = issuer.startsWith('https://');
  return async (ctx: Context, next: Next): Promise<void> => {
    if (required && !ctx.secure && !open.has(ctx.path)) {
      throw badRequest('https_required', 'this server is only reachable over https; behind a TLS-terminating proxy, set TRUST_PROXY=true');
    }
    await next();
  };
}
