/** Renders pug pages with the shared locals: translator, language, CSRF token, issuer paths. */
import { createRequire } from 'node:module';
import type * as Pug from 'pug';
import { join } from 'node:path';
import type { Context } from 'koa';
import { translator, type Locale } from '../i18n/index.ts';

/** pug and its compiler (babel's parser, acorn: some 1.5 MB of code) load with the first page compiled, not at start. */
const loadPug = (): typeof Pug => createRequire(import.meta.url)('pug') as typeof Pug;

export type PageLocals = Record<string, unknown>;

export interface Views {
  render(ctx: Context, view: string, locale: Locale, locals?: PageLocals, status?: number): void;
  html(view: string, locale: Locale, locals?: PageLocals): string;
}

export function createViews(viewsDir: string, opts: { cache: boolean }): Views {
  const compiled = new Map<string, Pug.compileTemplate>();
  const template = (view: string): Pug.compileTemplate => {
    let fn = opts.cache ? compiled.get(view) : undefined;
    if (!fn) {
      fn = loadPug().compileFile(join(viewsDir, `${view}.pug`), { basedir: viewsDir });
      if (opts.cache) compiled.set(view, fn);
    }
    return fn;
  };
  const html = (view: string, locale: Locale, locals: PageLocals = {}): string =>
    template(view)({ ...locals, t: translator(locale), locale });
  return {
    html,
    render(ctx, view, locale, locals = {}, status = 200) {
      ctx.status = status;
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-store');
      ctx.body = html(view, locale, { csrfToken: ctx.state.csrfToken as string | undefined, ...locals });
    },
  };
}
