/** Phone numbers: parsed with libphonenumber-js into E.164 (national numbers taken as Dutch), shown masked. */
import { createRequire } from 'node:module';
import type * as Phone from 'libphonenumber-js/max';

/** libphonenumber's full metadata (some 90 modules) loads with the first number parsed, not at start. */
let library: typeof Phone | undefined;
const parsePhoneNumberFromString: typeof Phone.parsePhoneNumberFromString = (...args) => {
  library ??= createRequire(import.meta.url)('libphonenumber-js/max') as typeof Phone;
  return library.parsePhoneNumberFromString(...args);
};

export const DEFAULT_COUNTRY = 'NL';

/** E.164 form of a mobile (or fixed-or-mobile) number, or null when it is not a valid number. */
export function normalisePhone(input: string): string | null {
  if (input.length > 40) return null;
  // The whole input must be the number (no text around it, no extension): a typo is refused, not guessed at.
  const parsed = parsePhoneNumberFromString(input.trim(), { defaultCountry: DEFAULT_COUNTRY, extract: false });
  if (!parsed?.isValid() || parsed.ext) return null;
  const type = parsed.getType();
  if (type !== undefined && type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') return null;
  return parsed.number;
}

/** `+31 6 •••• ••78`: enough to recognise one's own number, not enough to learn it. */
export function maskPhone(e164: string): string {
  const country = parsePhoneNumberFromString(e164)?.countryCallingCode;
  const rest = country ? e164.slice(country.length + 1) : e164.slice(1);
  const visible = rest.slice(-2);
  return `+${country ?? ''} ${'•'.repeat(Math.max(rest.length - 2, 0))}${visible}`;
}
