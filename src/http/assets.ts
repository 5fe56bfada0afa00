/**
 * Serves the few static files of the pages (the stylesheet, the password meter, the passkey script and the WebAuthn
 * browser library it uses, from its package) from memory, with a long cache. Same origin: CSP `script-src 'self'`.
 */
import Router from '@koa/router';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const JS = 'text/javascript; charset=utf-8';
const ASSETS = [
  { file: 'poort.css', type: 'text/css; charset=utf-8' },
  { file: 'password-meter.js', type: JS },
  { file: 'passkey.js', type: JS },
] as const;
/** Files served from a package (its directory found from its entry point, which is `<package>/script/index.js`). */
const PACKAGE_ASSETS = [{ file: 'simplewebauthn-browser.js', type: JS, from: '@simplewebauthn/browser', path: '../dist/bundle/index.umd.min.js' }] as const;

export function createAssetsRouter(assetsDir: string): Router {
  const router = new Router();
  const resolve = createRequire(import.meta.url).resolve;
  const files = [
    ...ASSETS.map(({ file, type }) => ({ file, type, path: join(assetsDir, file) })),
    ...PACKAGE_ASSETS.map(({ file, type, from, path }) => ({ file, type, path: join(dirname(resolve(from)), path) })),
  ];
  for (const { file, type, path } of files) {
    const body = readFileSync(path);
    router.get(`/assets/${file}`, (ctx) => {
      ctx.type = type;
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = body;
    });
  }
  return router;
}
