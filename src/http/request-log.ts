/**
 * One log line per request, with a request id; never the query string (it can hold codes and tokens), and never the
 * token of an e-mailed link, which is a path segment (`/reset-password/<token>`, `/welcome/<token>`).
 */
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../log.ts';

/** Paths whose next segment is a one-time token. */
const TOKEN_PATHS = /^(\/+reset-password\/+)(?!done(?:\/|$))[^/]+|^(\/+welcome\/+)(?!sent(?:\/|$))[^/]+/i;

export function loggedPath(path: string): string {
  return path.replace(TOKEN_PATHS, (_whole, reset?: string, welcome?: string) => `${reset ?? welcome ?? ''}[token]`);
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
