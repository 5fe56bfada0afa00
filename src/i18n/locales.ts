/** The languages Poort speaks. Imports nothing, so an account's stored language can be checked against it anywhere. */
export const LOCALES = ['en', 'nl'] as const;
export type Locale = (typeof LOCALES)[number];
