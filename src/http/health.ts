/** Liveness (/healthz: the process answers) and readiness (/readyz: the database answers a ping). */
import Router from '@koa/router';
import type { mongo } from 'mongoose';
import { RETRY_AFTER_SECONDS } from './problem.ts';

/**
 * How long /readyz waits for the ping. A load balancer's probe has a timeout of its own (often 2 s): an answer that
 * comes later counts as no answer, so readiness must say 503 in time, whatever the bound on other operations is.
 */
export const READY_PING_MS = 1500;

export function createHealthRouter(db: mongo.Db): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (await pings(db, READY_PING_MS)) {
      ctx.body = { status: 'ready' };
      return;
    }
    ctx.status = 503;
    ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
    ctx.body = { status: 'database unreachable' };
  });
  return router;
}

/**
 * True when the database answers a ping within `ms`. The signal aborts the driver's server selection, pool wait and
 * reply (its `timeoutMS` is ignored in driver 7.x); the timer is a second guard in case some step ignores the signal.
 * Either way the ping's own promise is settled and handled, so a late failure is never an unhandled rejection.
 */
async function pings(db: mongo.Db, ms: number): Promise<boolean> {
  const ping = db.command({ ping: 1 }, { signal: AbortSignal.timeout(ms) }).then(() => true, () => false);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms + 100);
  });
  try {
    return await Promise.race([ping, late]);
  } finally {
    clearTimeout(timer);
  }
}
