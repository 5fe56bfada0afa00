import { en } from '../../../src/i18n/en.ts';
import { nl } from '../../../src/i18n/nl.ts';
import { pickLocale, translator } from '../../../src/i18n/index.ts';

describe('pickLocale: the order of sources', () => {
  test('nothing known: English', () => {
    expect(pickLocale({})).toBe('en');
    expect(pickLocale({ account: undefined, uiLocales: '', acceptLanguage: '' })).toBe('en');
  });

  test("the account's language comes first", () => {
    expect(pickLocale({ account: 'nl', uiLocales: 'en', acceptLanguage: 'en' })).toBe('nl');
    expect(pickLocale({ account: 'en', uiLocales: 'nl', acceptLanguage: 'nl' })).toBe('en');
  });

  test('an unsupported account language falls through to ui_locales', () => {
    expect(pickLocale({ account: 'de', uiLocales: 'nl', acceptLanguage: 'en' })).toBe('nl');
  });

  test('ui_locales beats Accept-Language; its first supported entry wins', () => {
    expect(pickLocale({ uiLocales: 'nl', acceptLanguage: 'en' })).toBe('nl');
    expect(pickLocale({ uiLocales: 'fr-FR  nl-BE en', acceptLanguage: 'en' })).toBe('nl');
    expect(pickLocale({ uiLocales: 'EN-gb nl', acceptLanguage: 'nl' })).toBe('en');
  });

  test('ui_locales without a supported language falls through to Accept-Language', () => {
    expect(pickLocale({ uiLocales: 'fr de', acceptLanguage: 'nl' })).toBe('nl');
  });
});

describe('pickLocale: Accept-Language quality values', () => {
  test.each([
    ['nl-NL,nl;q=0.9,en;q=0.8', 'nl'],
    ['en-US,en;q=0.9,nl;q=0.8', 'en'],
    ['en;q=0.5, nl;q=0.9', 'nl'],
    ['fr, de;q=0.9, nl;q=0.1', 'nl'],
    ['nl;q=0, en', 'en'],
    ['nl;q=0', 'en'],
    ['de, fr', 'en'],
    ['*', 'en'],
    ['NL-be', 'nl'],
    ['en, nl', 'en'],
    ['nl, en', 'nl'],
    ['en;q=0.8, nl;q=0.8', 'en'],
    ['nl;q=0.8, en;q=0.8', 'nl'],
    ['en;q=0.3,nl ; q=0.7', 'nl'],
    ['en;level=1;q=0.2, nl;q=0.4', 'nl'],
    ['garbage;;;, ,', 'en'],
  ])('%j → %s', (acceptLanguage, expected) => {
    expect(pickLocale({ acceptLanguage })).toBe(expected);
  });
});

describe('catalogues', () => {
  const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
  const enKeys = Object.keys(en) as (keyof typeof en)[];

  test('nl has exactly the keys of en', () => {
    expect(Object.keys(nl).sort()).toEqual([...enKeys].sort());
  });

  test.each(enKeys)('%s has a non-empty Dutch text with the same placeholders', (key) => {
    expect(en[key].trim()).not.toBe('');
    expect(nl[key].trim()).not.toBe('');
    expect(placeholders(nl[key])).toEqual(placeholders(en[key]));
  });

  test('translator fills placeholders and leaves unknown ones visible', () => {
    expect(translator('nl')('login.intro', { client: 'Zorgplatform' })).toBe('Log in om verder te gaan naar Zorgplatform.');
    expect(translator('en')('login.intro', { client: 'Care platform' })).toBe('Log in to continue to Care platform.');
    expect(translator('en')('error.code', {})).toBe('Error code: {code}');
  });
});
