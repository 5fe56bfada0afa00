/**
 * Turns every error into a clear answer: an HTML page (en/nl) or RFC 9457 problem JSON, with the right 4xx status.
 * An unreachable or frozen database is a 503 with Retry-After ("temporarily unavailable, try again in a moment"):
 * it passes by itself, so it must not look like a bug. Other unexpected errors become a plain 500 page without
 * details; the stack goes to the log only.
 */
import type { Context, Next } from 'koa';
import type { Logger } from '../log.ts';
import { describeUnavailable, isDatabaseUnavailable } from '../unavailable.ts';
import { translator, type MessageKey } from '../i18n/index.ts';
import { localeFor } from './locale.ts';
import { HttpError, problem, RETRY_AFTER_SECONDS } from './problem.ts';
import { requestLogger } from './request-log.ts';
import type { Views } from './views.ts';

interface Classified { status: number; code: string; messageKey: MessageKey; detail?: string }

/** `temporarily_unavailable` is RFC 6749's code for this (§4.1.2.1); the same code serves pages and problems. */
const UNAVAILABLE: Classified = { status: 503, code: 'temporarily_unavailable', messageKey: 'error.unavailable' };

const METHOD_NOT_ALLOWED: Classified = { status: 405, code: 'method_not_allowed', messageKey: 'error.badRequest' };

/** Set on `ctx.state` when an oidc-provider endpoint failed because the database is unavailable (see below). */
const DATABASE_UNAVAILABLE = 'databaseUnavailable';

export function classify(error: unknown): Classified {
  if (error instanceof HttpError) return { status: error.status, code: error.code, messageKey: error.messageKey, detail: error.message };
  if (isDatabaseUnavailable(error)) return UNAVAILABLE;
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

/**
 * The page's title and closing hint. "Temporarily unavailable" already says to try again in a moment, so it has no
 * "go back to the platform and try again" (`hintKey: null`; the view shows that hint when none is given).
 */
function pageWording(found: Classified): { titleKey: MessageKey; hintKey: MessageKey | null } {
  return found.status === 503 ? { titleKey: 'error.unavailableTitle', hintKey: null } : { titleKey: 'error.title', hintKey: 'error.again' };
}

export function sendError(ctx: Context, views: Views, found: Classified): void {
  if (found.status === 503) ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  if (wantsJson(ctx)) {
    ctx.status = found.status;
    ctx.type = 'application/problem+json';
    ctx.body = problem(found.status, found.code, translator('en')(found.messageKey), found.status < 500 ? found.detail : undefined);
    return;
  }
  views.render(ctx, 'errors/error', localeFor(ctx), { messageKey: found.messageKey, code: found.code, ...pageWording(found) }, found.status);
}

/**
 * The listener for oidc-provider's `server_error` event. Its endpoints (/auth, /token, /userinfo, /session/end, …)
 * catch their own errors, answer 500 `server_error` and only then emit this event, synchronously, with the request's
 * context: a database outage is marked there, and `errorHandler` replaces the answer once the endpoint returns.
 */
export function providerServerErrors(logger: Logger) {
  return (ctx: Context, error: unknown): void => {
    const log = requestLogger(ctx, logger);
    if (isDatabaseUnavailable(error)) {
      ctx.state[DATABASE_UNAVAILABLE] = true;
      log.warn({ problem: UNAVAILABLE.code, cause: describeUnavailable(error) }, 'database unavailable');
      return;
    }
    log.error({ err: error }, 'oidc server error');
  };
}

/**
 * Replaces oidc-provider's 500 after a database outage. Its JSON endpoints (token, userinfo, introspection, …) answer
 * their clients in OAuth's error format, so they keep it: `{"error":"temporarily_unavailable", …}`. Where it
 * rendered a page, a person gets Poort's "temporarily unavailable" page (or a problem, for a JSON client).
 */
function replaceProviderAnswer(ctx: Context, views: Views): void {
  const body: unknown = ctx.body;
  const oauthJson = typeof body === 'object' && body !== null && !Buffer.isBuffer(body)
    && typeof (body as { error?: unknown }).error === 'string';
  if (!oauthJson) {
    sendError(ctx, views, UNAVAILABLE);
    return;
  }
  ctx.status = UNAVAILABLE.status;
  ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'application/json';
  ctx.body = { error: UNAVAILABLE.code, error_description: translator('en')(UNAVAILABLE.messageKey) };
}

export function errorHandler(views: Views, logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.state[DATABASE_UNAVAILABLE] === true && ctx.status >= 500) replaceProviderAnswer(ctx, views);
      else if (ctx.status === 404 && ctx.body == null) sendError(ctx, views, classify({ status: 404 }));
      // A router's answer to a method it has no route for (405, or 501 for a method no route uses): a 405 page or
      // problem, keeping the router's Allow header — never a bare 5xx.
      else if ((ctx.status === 405 || ctx.status === 501) && ctx.body == null) sendError(ctx, views, METHOD_NOT_ALLOWED);
    } catch (error) {
      const found = classify(error);
      const log = requestLogger(ctx, logger);
      // An outage fails every request alike: a short line each, not a stack trace each (connection.ts logs the outage).
      if (found === UNAVAILABLE) log.warn({ problem: found.code, cause: describeUnavailable(error) }, 'database unavailable');
      else if (found.status >= 500) log.error({ err: error }, 'request failed');
      // `problem`, not `code`: the logger redacts every `code` field (authorization and one-time codes).
      else log.info({ problem: found.code, status: found.status }, 'request refused');
      sendError(ctx, views, found);
    }
  };
}
