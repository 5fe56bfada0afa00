/**
 * RFC 6749 §5.2: a client that uses a grant type it is not registered for gets `unauthorized_client`.
 * oidc-provider v9 answers `invalid_request` ("requested grant type is not allowed for this client"); this
 * middleware, outside the token endpoint, corrects the error code and keeps the description and status (400).
 */
import type { Context, Next } from 'koa';

const NOT_ALLOWED = 'requested grant type is not allowed for this client';

export function unauthorizedClientErrors(tokenPath: string) {
  return async (ctx: Context, next: Next): Promise<void> => {
    await next();
    if (ctx.path !== tokenPath || ctx.status !== 400) return;
    const body = ctx.body as { error?: unknown; error_description?: unknown } | null | undefined;
    if (body?.error === 'invalid_request' && body.error_description === NOT_ALLOWED) {
      ctx.body = { ...body, error: 'unauthorized_client' };
    }
  };
}
