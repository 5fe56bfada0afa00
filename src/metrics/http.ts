/**
 * The HTTP request histogram's middleware: the outermost one (src/app.ts), so it times everything Poort does for a
 * request, errors and their pages included. The route label is the template of the route that answered — @koa/router
 * and oidc-provider's router both leave it in `ctx._matchedRoute` (e.g. `/interaction/:uid/login`, `/token`) — or
 * `unmatched`: a path itself never becomes a label, so a scanner's requests fall into one series.
 */
import type { Context, Next } from 'koa';
import type { Recorder } from './recorder.ts';

export function httpMetrics(metrics: Pick<Recorder, 'httpRequest'>) {
  return async function timeRequest(ctx: Context, next: Next): Promise<void> {
    const started = performance.now();
    let failed = false;
    try {
      await next();
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // An error that got past every handler becomes Koa's 500 after this middleware.
      const status = failed ? 500 : ctx.status;
      metrics.httpRequest(ctx.method, (ctx as { _matchedRoute?: unknown })._matchedRoute, status, (performance.now() - started) / 1000);
    }
  };
}
