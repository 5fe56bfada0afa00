/** The QR code Poort draws for an otpauth URI decodes, with an independent decoder, to exactly that URI. */
import * as OTPAuth from 'otpauth';
import { qrDataUrl } from '../../../src/auth/factors/qr.ts';
import { generateTotpSecret, totpUri } from '../../../src/auth/factors/totp.ts';
import { decodeQrDataUrl } from '../../support/qr.ts';

test('the QR image holds the otpauth URI: issuer, account, key, SHA1, 6 digits, 30 s', async () => {
  const secret = generateTotpSecret();
  const uri = totpUri(secret, 'Zorg & Co – Utrecht', 'person@example.org');
  const dataUrl = await qrDataUrl(uri);
  expect(dataUrl.startsWith('data:image/png;base64,')).toBe(true);
  const decoded = decodeQrDataUrl(dataUrl);
  expect(decoded).toBe(uri);
  const parsed = OTPAuth.URI.parse(decoded) as OTPAuth.TOTP;
  expect(parsed.issuer).toBe('Zorg & Co – Utrecht');
  expect(parsed.label).toBe('person@example.org');
  expect(parsed.secret.base32).toBe(secret);
  expect([parsed.algorithm, parsed.digits, parsed.period]).toEqual(['SHA1', 6, 30]);
});
