/** The secret box: AES-256-GCM sealing bound to a context under a list of keys, and the keyed hash for codes. */
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { createSecretBox, derivedMacKey, type EncryptionKey } from '../../../src/auth/secret-box.ts';

const key = (kid: string): EncryptionKey => ({ kid, key: randomBytes(32) });
const OLD = key('old');
const NEW = key('new');
const box = createSecretBox([OLD]);
const plain = Buffer.from('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');

/** Changes one character of part `index` of a sealed value (v2.kid.iv.tag.ciphertext). */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const part = parts[index] ?? '';
  parts[index] = `${part[0] === 'A' ? 'B' : 'A'}${part.slice(1)}`;
  return parts.join('.');
}

/** A value as earlier versions sealed it under their single ENCRYPTION_KEY: `v1.<iv>.<tag>.<ciphertext>`. */
function sealV1(secret: Buffer, value: Buffer, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'poort seal v1', 32)), iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(value), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

test('seal then open gives the same bytes back; the sealed text does not contain them', () => {
  const sealed = box.seal(plain, 'totp:account-1');
  expect(sealed).not.toContain(plain.toString());
  expect(box.open(sealed, 'totp:account-1')).toEqual(plain);
});

test('a sealed value names the key it is sealed under: v2.<kid>.<iv>.<tag>.<ciphertext>', () => {
  expect(box.seal(plain, 'c')).toMatch(/^v2\.old\.[\w-]+\.[\w-]+\.[\w-]+$/);
});

test('sealing twice gives different texts (a fresh IV each time)', () => {
  expect(box.seal(plain, 'c')).not.toBe(box.seal(plain, 'c'));
});

test.each([[2, 'IV'], [3, 'tag'], [4, 'ciphertext']])('a changed %s part (index %i) is refused', (index) => {
  const sealed = box.seal(plain, 'totp:account-1');
  expect(() => box.open(tamper(sealed, index), 'totp:account-1')).toThrow();
});

test('a value sealed for one context (account) does not open for another', () => {
  const sealed = box.seal(plain, 'totp:account-1');
  expect(() => box.open(sealed, 'totp:account-2')).toThrow();
});

test('another key does not open it; malformed values are refused', () => {
  const sealed = box.seal(plain, 'c');
  expect(() => createSecretBox([{ kid: 'old', key: randomBytes(32) }]).open(sealed, 'c')).toThrow();
  expect(() => box.open('v2.old.b.c', 'c')).toThrow();
  expect(() => box.open('v3.old.a.b.c', 'c')).toThrow();
  expect(() => box.open('garbage', 'c')).toThrow();
});

test('every key must be 32 bytes', () => {
  expect(() => createSecretBox([NEW, { kid: 'short', key: randomBytes(16) }])).toThrow(/32 bytes/);
});

test('a box needs at least one key', () => {
  expect(() => createSecretBox([])).toThrow(/at least one key/);
});

describe('rotation', () => {
  const rotated = createSecretBox([NEW, OLD]);

  test('the first key seals', () => {
    expect(rotated.kidOf(rotated.seal(plain, 'c'))).toBe('new');
  });

  test('a value sealed under an older key still opens', () => {
    expect(rotated.open(box.seal(plain, 'c'), 'c')).toEqual(plain);
  });

  test('a value under a key no longer configured does not open, and says which key it needs', () => {
    expect(() => createSecretBox([NEW]).open(box.seal(plain, 'c'), 'c')).toThrow(/encryption key old, which is not configured/);
  });

  test('a v1 value (single key, no kid) opens with whichever configured key sealed it', () => {
    expect(rotated.open(sealV1(OLD.key, plain, 'c'), 'c')).toEqual(plain);
  });

  test('a v1 value that no configured key opens is refused', () => {
    expect(() => createSecretBox([NEW]).open(sealV1(OLD.key, plain, 'c'), 'c')).toThrow(/none of the configured/);
  });

  test('only a value under the first key is current', () => {
    expect([rotated.seal(plain, 'c'), box.seal(plain, 'c'), sealV1(NEW.key, plain, 'c')].map((s) => rotated.isCurrent(s))).toEqual([true, false, false]);
  });
});

describe('the keyed hash', () => {
  test('is stable per MAC key and context, and differs across them', () => {
    expect(box.mac('123456', 'sms:1')).toBe(box.mac('123456', 'sms:1'));
    expect(box.mac('123456', 'sms:1')).not.toBe(box.mac('123456', 'sms:2'));
    expect(box.mac('123456', 'sms:1')).not.toBe(createSecretBox([NEW]).mac('123456', 'sms:1'));
  });

  test('does not change with the encryption keys when the MAC key is given', () => {
    const macKey = randomBytes(32);
    expect(createSecretBox([NEW, OLD], macKey).mac('ABCDE12345', 'recovery:1')).toBe(createSecretBox([OLD], macKey).mac('ABCDE12345', 'recovery:1'));
  });

  test('without a stored MAC key, is the one earlier versions derived from the (oldest) key', () => {
    expect(createSecretBox([NEW, OLD]).mac('x', 'c')).toBe(createSecretBox([NEW], derivedMacKey(OLD.key)).mac('x', 'c'));
  });
});
