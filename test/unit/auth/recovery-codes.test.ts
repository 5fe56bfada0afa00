/** How a typed recovery code is read: case, separators and the letters people confuse (Crockford base32). */
import { normaliseRecoveryCode } from '../../../src/auth/factors/recovery-code.ts';

test.each([
  ['upper case with the dash, as shown', 'AB3DE-FGH7K', 'AB3DEFGH7K'],
  ['lower case', 'ab3de-fgh7k', 'AB3DEFGH7K'],
  ['without the dash', 'ab3defgh7k', 'AB3DEFGH7K'],
  ['spaces and several dashes', ' ab3de - fgh7k ', 'AB3DEFGH7K'],
  ['the letter O for zero', 'O0OO0-11111', '00000' + '11111'],
  ['lower-case o', 'o0o0o-22222', '0000022222'],
  ['I and L for one', 'IiLl1-33333', '1111133333'],
])('%s', (_name, typed, expected) => {
  expect(normaliseRecoveryCode(typed)).toBe(expected);
});

test('letters outside the confusable ones are kept, so a code that was never issued stays wrong', () => {
  expect(normaliseRecoveryCode('UUUUU-UUUUU')).toBe('UUUUUUUUUU');
});
