/** Renders pug pages with the shared locals: translator, language, CSRF token, issuer paths. */
import pug from 'pug';
import { join } from 'node:path';
import type { Context } from 'koa';
import { translator, type Locale } from '../i18n/index.ts';

export type PageLocals = Record<string, unknown>;

export interface Views {
  render(ctx: Context, view: string, locale: Locale, locals?: PageLocals, status?: number): void;
  html(view: string, locale: Locale, locals?: PageLocals): string;
}

export function createViews(viewsDir: string, opts: { cache: boolean }): Views {
  const compiled = new Map<string, pug.compileTemplate>();
  const template = (view: string): pug.compileTemplate => {
    let fn = opts.cache ? compiled.get(view) : undefined;
    if (!fn) {
      fn = pug.compileFile(join(viewsDir, `${view}.pug`), { basedir: viewsDir });
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
