/** Phone numbers: E.164 normalisation (Dutch numbers written nationally), mobile only, and masking. */
import { maskPhone, normalisePhone } from '../../../src/auth/factors/phone.ts';

test.each([
  ['a Dutch mobile written nationally', '06 12345678', '+31612345678'],
  ['the same without spaces', '0612345678', '+31612345678'],
  ['the same with dashes', '06-1234-5678', '+31612345678'],
  ['the same internationally', '+31 6 1234 5678', '+31612345678'],
  ['a Belgian mobile', '+32 470 12 34 56', '+32470123456'],
  ['a Belgian mobile with 00', '0032 470 12 34 56', '+32470123456'],
])('%s is accepted: %s → %s', (_name, input, e164) => {
  expect(normalisePhone(input)).toBe(e164);
});

test.each([
  ['a Dutch landline', '020 123 4567'],
  ['a Dutch landline, international', '+31 20 123 4567'],
  ['letters', 'call me maybe'],
  ['empty', ''],
  ['too short', '06 123'],
  ['too long', '+31 6 1234 5678 9999 9999 9999 9999 9999 9'],
  ['an unknown country code', '+999 12345678'],
  ['markup', '<script>06 12345678</script>'],
])('%s is refused', (_name, input) => {
  expect(normalisePhone(input)).toBeNull();
});

test('a masked number keeps the country code and the last two digits only', () => {
  expect(maskPhone('+31612345678')).toBe('+31 •••••••78');
  expect(maskPhone('+32470123456')).toBe('+32 •••••••56');
  expect(maskPhone('+31612345678')).not.toContain('612345');
});

test.each([
  ['text around the number', 'call 06 12345678 please'],
  ['a trailing letter', '06 12345678x'],
  ['a URI', 'tel:+31612345678'],
  ['an extension', '06 12345678 ext. 12'],
])('%s is refused, not guessed at', (_name, input) => {
  expect(normalisePhone(input)).toBeNull();
});
