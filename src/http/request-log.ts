/**
 * One log line per request, with a request id; never the query string (it can hold codes and tokens), and never the
 * token of an e-mailed link, which is a path segment (`/reset-password/<token>`).
 */
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../log.ts';

/** Paths whose next segment is a one-time token. */
const TOKEN_PATHS = /^(\/+reset-password\/+)(?!done(?:\/|$))[^/]+/i;

export function loggedPath(path: string): string {
  return path.replace(TOKEN_PATHS, '$1[token]');
}

export function requestLog(logger: Logger, trustProxy: boolean) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const incoming = trustProxy ? ctx.get('x-request-id') : '';
    const id = /^[\w-]{8,64}$/.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = id;
    ctx.state.log = logger.child({ reqId: id });
    ctx.set('X-Request-Id', id);
    const started = performance.now();
    try {
      await next();
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      logger.info({ reqId: id, method: ctx.method, path: loggedPath(ctx.path), status: ctx.status, ms }, 'request');
    }
  };
}

export const requestLogger = (ctx: Context, fallback: Logger): Logger => (ctx.state.log as Logger | undefined) ?? fallback;
