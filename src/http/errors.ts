/**
 * Turns every error into a clear answer: an HTML page (en/nl) or RFC 9457 problem JSON, with the right 4xx status.
 * Unexpected errors become a plain 500 page without details; the stack goes to the log only.
 */
import type { Context, Next } from 'koa';
import type { Logger } from '../log.ts';
import { translator, type MessageKey } from '../i18n/index.ts';
import { localeFor } from './locale.ts';
import { HttpError, problem } from './problem.ts';
import { requestLogger } from './request-log.ts';
import type { Views } from './views.ts';

interface Classified { status: number; code: string; messageKey: MessageKey; detail?: string }

function classify(error: unknown): Classified {
  if (error instanceof HttpError) return { status: error.status, code: error.code, messageKey: error.messageKey, detail: error.message };
  if (error instanceof URIError) return { status: 400, code: 'malformed_uri', messageKey: 'error.badRequest' };
  const status = Number((error as { status?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode);
  if (status === 413) return { status, code: 'body_too_large', messageKey: 'error.tooLarge' };
  if (status === 404) return { status, code: 'not_found', messageKey: 'error.notFound' };
  if (status >= 400 && status < 500) return { status, code: 'bad_request', messageKey: 'error.badRequest' };
  return { status: 500, code: 'server_error', messageKey: 'error.generic' };
}

export function wantsJson(ctx: Context): boolean {
  return ctx.path.startsWith('/api/') || ctx.accepts('html', 'json') === 'json';
}

export function sendError(ctx: Context, views: Views, found: Classified): void {
  if (wantsJson(ctx)) {
    ctx.status = found.status;
    ctx.type = 'application/problem+json';
    ctx.body = problem(found.status, found.code, translator('en')(found.messageKey), found.status < 500 ? found.detail : undefined);
    return;
  }
  views.render(ctx, 'errors/error', localeFor(ctx), { messageKey: found.messageKey, code: found.code }, found.status);
}

export function errorHandler(views: Views, logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body == null) sendError(ctx, views, classify({ status: 404 }));
    } catch (error) {
      const found = classify(error);
      const log = requestLogger(ctx, logger);
      if (found.status >= 500) log.error({ err: error }, 'request failed');
      // `problem`, not `code`: the logger redacts every `code` field (authorization and one-time codes).
      else log.info({ problem: found.code, status: found.status }, 'request refused');
      sendError(ctx, views, found);
    }
  };
}
