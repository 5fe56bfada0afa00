/**
 * Message catalogue (en + nl). Every user-visible string comes from here; `nl.ts` must translate every key of
 * `en.ts` (the type checker enforces it). Placeholders are written `{name}`.
 */
import { en, type MessageKey } from './en.ts';
import { LOCALES, type Locale } from './locales.ts';
import { nl } from './nl.ts';

export type { MessageKey };
export { LOCALES, type Locale };
export const DEFAULT_LOCALE: Locale = 'en';

const catalogues: Record<Locale, Record<MessageKey, string>> = { en, nl };

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function translator(locale: Locale): Translate {
  const catalogue = catalogues[locale];
  return (key, vars) => {
    const text = catalogue[key] ?? en[key] ?? key;
    return vars ? text.replace(/\{(\w+)\}/g, (whole, name: string) => String(vars[name] ?? whole)) : text;
  };
}

/**
 * The first supported language among, in order: the account's language, the `ui_locales` request parameter
 * (space-separated), the Accept-Language header (quality values respected). Falls back to English.
 */
export function pickLocale(sources: { account?: string | undefined; uiLocales?: string | undefined; acceptLanguage?: string | undefined }): Locale {
  if (isLocale(sources.account)) return sources.account;
  for (const tag of (sources.uiLocales ?? '').split(/\s+/)) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLocale(base)) return base;
  }
  const ranked = (sources.acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { base: tag.trim().toLowerCase().split('-')[0], q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { base } of ranked) if (isLocale(base)) return base;
  return DEFAULT_LOCALE;
}
