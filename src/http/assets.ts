/** Serves the few static files of the pages (a stylesheet) from memory, with a long cache. */
import Router from '@koa/router';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function createAssetsRouter(assetsDir: string): Router {
  const css = readFileSync(join(assetsDir, 'poort.css'));
  const router = new Router();
  router.get('/assets/poort.css', (ctx) => {
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = css;
  });
  return router;
}
