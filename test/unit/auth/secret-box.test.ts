/** The secret box: AES-256-GCM sealing bound to a context, and the keyed hash for codes. */
import { randomBytes } from 'node:crypto';
import { createSecretBox } from '../../../src/auth/secret-box.ts';

const box = createSecretBox(randomBytes(32));
const plain = Buffer.from('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');

/** Changes one character of part `index` of a sealed value (v1.iv.tag.ciphertext). */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const part = parts[index] ?? '';
  parts[index] = `${part[0] === 'A' ? 'B' : 'A'}${part.slice(1)}`;
  return parts.join('.');
}

test('seal then open gives the same bytes back; the sealed text does not contain them', () => {
  const sealed = box.seal(plain, 'totp:account-1');
  expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
  expect(sealed).not.toContain(plain.toString());
  expect(box.open(sealed, 'totp:account-1')).toEqual(plain);
});

test('sealing twice gives different texts (a fresh IV each time)', () => {
  expect(box.seal(plain, 'c')).not.toBe(box.seal(plain, 'c'));
});

test.each([[1, 'IV'], [2, 'tag'], [3, 'ciphertext']])('a changed %s part (index %i) is refused', (index) => {
  const sealed = box.seal(plain, 'totp:account-1');
  expect(() => box.open(tamper(sealed, index), 'totp:account-1')).toThrow();
});

test('a value sealed for one context (account) does not open for another', () => {
  const sealed = box.seal(plain, 'totp:account-1');
  expect(() => box.open(sealed, 'totp:account-2')).toThrow();
});

test('another key does not open it; malformed values are refused', () => {
  const sealed = box.seal(plain, 'c');
  expect(() => createSecretBox(randomBytes(32)).open(sealed, 'c')).toThrow();
  expect(() => box.open('v2.a.b.c', 'c')).toThrow();
  expect(() => box.open('garbage', 'c')).toThrow();
});

test('the key must be 32 bytes', () => {
  expect(() => createSecretBox(randomBytes(16))).toThrow(/32 bytes/);
});

test('the keyed hash is stable per key and context, and differs across them', () => {
  expect(box.mac('123456', 'sms:1')).toBe(box.mac('123456', 'sms:1'));
  expect(box.mac('123456', 'sms:1')).not.toBe(box.mac('123456', 'sms:2'));
  expect(box.mac('123456', 'sms:1')).not.toBe(createSecretBox(randomBytes(32)).mac('123456', 'sms:1'));
});
