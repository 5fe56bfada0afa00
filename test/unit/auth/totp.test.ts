/** RFC 6238 Appendix B test vectors through otpauth, and Poort's own TOTP rules (SHA1, 6 digits, 30 s, ±1 step). */
import * as OTPAuth from 'otpauth';
import { currentTotp, formatTotpSecret, generateTotpSecret, matchTotp, totpUri } from '../../../src/auth/factors/totp.ts';

/** Each algorithm has its own seed length in the RFC: 20, 32 and 64 bytes of the ASCII digits "1234567890…". */
const SEEDS = {
  SHA1: '12345678901234567890',
  SHA256: '12345678901234567890123456789012',
  SHA512: '1234567890123456789012345678901234567890123456789012345678901234',
} as const;

/** RFC 6238 Appendix B: time (seconds) → 8-digit TOTP for SHA1, SHA256, SHA512. */
const VECTORS: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

const rfcTotp = (algorithm: keyof typeof SEEDS): OTPAuth.TOTP =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromLatin1(SEEDS[algorithm]), algorithm, digits: 8, period: 30 });

describe('RFC 6238 Appendix B through otpauth', () => {
  test('the seeds have the lengths the RFC gives each algorithm', () => {
    expect(Buffer.byteLength(SEEDS.SHA1)).toBe(20);
    expect(Buffer.byteLength(SEEDS.SHA256)).toBe(32);
    expect(Buffer.byteLength(SEEDS.SHA512)).toBe(64);
  });

  test.each(VECTORS)('T = %i s: SHA1 %s, SHA256 %s, SHA512 %s', (seconds, sha1, sha256, sha512) => {
    const timestamp = seconds * 1000;
    expect(rfcTotp('SHA1').generate({ timestamp })).toBe(sha1);
    expect(rfcTotp('SHA256').generate({ timestamp })).toBe(sha256);
    expect(rfcTotp('SHA512').generate({ timestamp })).toBe(sha512);
  });
});

describe("Poort's TOTP (SHA1, 6 digits)", () => {
  const secret = OTPAuth.Secret.fromLatin1(SEEDS.SHA1).base32;

  test.each(VECTORS)('at T = %i s currentTotp gives the last 6 digits of the SHA1 vector %s', (seconds, sha1) => {
    expect(currentTotp(secret, new Date(seconds * 1000))).toBe(sha1.slice(-6));
  });

  test.each(VECTORS)('at T = %i s matchTotp accepts %s (6 digits) and names its time step', (seconds, sha1) => {
    const step = Math.floor(seconds / 30);
    expect(matchTotp(secret, sha1.slice(-6), new Date(seconds * 1000))).toBe(step);
  });

  test('one step of clock drift either way is accepted, two are not; the step named is the code\'s own', () => {
    const code = '287082'; // T = 59 s, step 1
    expect(matchTotp(secret, code, new Date(89_000))).toBe(1);
    expect(matchTotp(secret, code, new Date(29_000))).toBe(1);
    expect(matchTotp(secret, code, new Date(120_000))).toBeNull();
  });

  test.each([['letters', 'abcdef'], ['7 digits', '2870820'], ['5 digits', '87082'], ['8-digit RFC value', '94287082'], ['empty', ''], ['spaces', '287 082']])(
    'a malformed code (%s) matches nothing',
    (_name, code) => {
      expect(matchTotp(secret, code, new Date(59_000))).toBeNull();
    },
  );

  test('a wrong code matches nothing', () => {
    expect(matchTotp(secret, '287083', new Date(59_000))).toBeNull();
  });

  test('new secrets are 160 bits of base32, shown in groups of four', () => {
    const generated = generateTotpSecret();
    expect(generated).toMatch(/^[A-Z2-7]{32}$/);
    expect(OTPAuth.Secret.fromBase32(generated).bytes).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(generated);
    expect(formatTotpSecret('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')).toBe('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ');
  });

  test('the otpauth URI names the issuer and the account, SHA1, 6 digits, 30 s', () => {
    const uri = OTPAuth.URI.parse(totpUri(secret, 'Org & Co', 'person@example.org'));
    expect(uri).toBeInstanceOf(OTPAuth.TOTP);
    expect(uri.issuer).toBe('Org & Co');
    expect(uri.label).toBe('person@example.org');
    expect(uri.secret.base32).toBe(secret);
    expect(uri.algorithm).toBe('SHA1');
    expect(uri.digits).toBe(6);
    expect((uri as OTPAuth.TOTP).period).toBe(30);
  });
});
