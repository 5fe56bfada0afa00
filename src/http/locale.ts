/** The page language for a request: account language, then ui_locales, then Accept-Language. */
import type { Context } from 'koa';
import { pickLocale, type Locale } from '../i18n/index.ts';

export function localeFor(ctx: Context, hints: { account?: string | undefined; uiLocales?: unknown } = {}): Locale {
  const fromQuery = typeof ctx.query.ui_locales === 'string' ? ctx.query.ui_locales : undefined;
  return pickLocale({
    account: hints.account,
    uiLocales: typeof hints.uiLocales === 'string' ? hints.uiLocales : fromQuery,
    acceptLanguage: ctx.get('accept-language'),
  });
}
