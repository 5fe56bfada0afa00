/** Liveness (/healthz: the process answers) and readiness (/readyz: the database answers a ping). */
import Router from '@koa/router';
import type { mongo } from 'mongoose';

export function createHealthRouter(db: mongo.Db): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await db.command({ ping: 1 }, { timeoutMS: 2000 });
      ctx.body = { status: 'ready' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'database unreachable' };
    }
  });
  return router;
}
