/**
 * GET /dev/outbox (HTML) and GET /dev/outbox.json: the messages kept by the development outbox, newest first.
 * Mount only when `config.devOutbox` is on (never in production): the page shows one-time links and codes.
 */
import path from 'node:path';
import Router from '@koa/router';
import { createRequire } from 'node:module';
import type * as Pug from 'pug';
import type { Outbox, OutboxMessage } from '../notify/outbox.ts';

export interface OutboxView extends OutboxMessage {
  /** The http(s) links found in the text body, to click through in development. */
  links: string[];
}

const LINK = /https?:\/\/[^\s<>"'`]+/g;
/** Punctuation that ends a sentence rather than a URL. */
const TRAILING_PUNCTUATION = /[.,;:!?)\]]+$/;

export function linksIn(text: string): string[] {
  const links = (text.match(LINK) ?? []).map((link) => link.replace(TRAILING_PUNCTUATION, ''));
  return [...new Set(links)];
}

export function createOutboxRouter(outbox: Outbox, viewsDir: string): Router {
  // Compiled when first shown: pug loads with the first page, not at start.
  let page: Pug.compileTemplate | undefined;
  const pageOf = (): Pug.compileTemplate => {
    page ??= (createRequire(import.meta.url)('pug') as typeof Pug).compileFile(path.join(viewsDir, 'dev', 'outbox.pug'), { basedir: viewsDir });
    return page;
  };
  const router = new Router();

  router.get('/dev/outbox', (ctx) => {
    const messages: OutboxView[] = outbox.list().map((message) => ({ ...message, links: linksIn(message.text) }));
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = pageOf()({ messages });
  });

  router.get('/dev/outbox.json', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = outbox.list();
  });

  return router;
}
