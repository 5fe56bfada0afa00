/** Serves the few static files of the pages (the stylesheet and the password meter) from memory, with a long cache. */
import Router from '@koa/router';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ASSETS = [
  { file: 'poort.css', type: 'text/css; charset=utf-8' },
  { file: 'password-meter.js', type: 'text/javascript; charset=utf-8' },
] as const;

export function createAssetsRouter(assetsDir: string): Router {
  const router = new Router();
  for (const { file, type } of ASSETS) {
    const body = readFileSync(join(assetsDir, file));
    router.get(`/assets/${file}`, (ctx) => {
      ctx.type = type;
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = body;
    });
  }
  return router;
}
