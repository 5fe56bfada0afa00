import argon2 from 'argon2';
import {
  ARGON2_PARAMS, PASSWORD_MAX_BYTES, createPasswordHasher, hashPassword, passwordProblems, type PasswordHasher,
} from '../../../src/auth/password.ts';

const GOOD = 'Correct horse battery!';
/** 32 characters no dictionary or pattern explains (the strength check reads the first 32): it lets the length and
 * byte rules be tested on their own. */
const RANDOM = 'kq8Vz3Lp2WxR7tYb9NmC4jHs6dFg1eUa';

let hasher: PasswordHasher;
beforeAll(async () => {
  hasher = await createPasswordHasher();
});

describe('passwordProblems: the seed rules', () => {
  test('a long password with a special character is accepted', () => {
    expect(passwordProblems(GOOD)).toEqual([]);
    expect(passwordProblems('zebra-lamp-42')).toEqual([]);
  });

  test('fewer than 12 characters is too short', () => {
    expect(passwordProblems('abcdefghij!')).toEqual(['tooShort']);
    expect(passwordProblems('')).toEqual(expect.arrayContaining(['tooShort', 'noSpecial']));
  });

  test('without a special character it is refused, however long', () => {
    expect(passwordProblems('abcdefghijklmnopqrstuvwxyz0123456789')).toEqual(['noSpecial']);
    expect(passwordProblems('Wachtwoordzonderteken2024')).toEqual(['noSpecial']);
  });

  test('a space, punctuation or a symbol counts as special', () => {
    for (const special of [' ', '.', '-', '_', '€', '#', '😀']) {
      expect(passwordProblems(`${RANDOM.slice(0, 11)}${special}`)).toEqual([]);
    }
  });

  test('accented and non-Latin letters and digits are not special characters', () => {
    expect(passwordProblems('ééééééééééééé')).toEqual(['noSpecial']);
    expect(passwordProblems('парольпароль')).toEqual(['noSpecial']);
    expect(passwordProblems('١٢٣٤٥٦٧٨٩٠١٢')).toEqual(['noSpecial']);
  });

  test('several problems are reported together', () => {
    expect(passwordProblems('short')).toEqual(['tooShort', 'noSpecial']);
  });
});

describe('passwordProblems: length in characters, limit in bytes', () => {
  test('unicode passwords count characters, not bytes', () => {
    // 11 characters, 33 bytes in UTF-8: still too short.
    expect(passwordProblems('ééééééééé€!')).toEqual(['tooShort']);
    // 12 characters of 2-4 bytes each: long enough.
    expect(passwordProblems('éàüöçñßøåîêõ!')).toEqual([]);
    expect(passwordProblems('🔑'.repeat(11))).toEqual(['tooShort']);
    expect(passwordProblems('🔑🍀🚲🌷🧀🎈🦉🌊🍋🎻🪁🧭')).toEqual([]);
    expect(passwordProblems('山水花鸟风月雪竹松梅兰菊!')).toEqual([]);
  });

  test(`up to ${PASSWORD_MAX_BYTES} bytes is accepted, one more is too long`, () => {
    expect(passwordProblems(`${RANDOM}${'a'.repeat(PASSWORD_MAX_BYTES - 1 - RANDOM.length)}!`)).toEqual([]);
    expect(passwordProblems(`${RANDOM}${'a'.repeat(PASSWORD_MAX_BYTES - RANDOM.length)}!`)).toEqual(['tooLong']);
    // 32 one-byte characters, 495 two-byte ones and two one-byte ones are exactly the limit; one byte more is over it.
    expect(passwordProblems(`${RANDOM}${'é'.repeat(495)}!!`)).toEqual([]);
    expect(passwordProblems(`${RANDOM}${'é'.repeat(496)}!`)).toEqual(['tooLong']);
  });

  test('128 characters of any script fit', () => {
    expect(passwordProblems(`山水花鸟风月雪竹松梅兰菊${'密'.repeat(115)}!`)).toEqual([]);
    expect(passwordProblems(`🔑🍀🚲🌷🧀🎈🦉🌊🍋🎻🪁🧭${'🔐'.repeat(116)}`)).toEqual([]);
  });
});

describe('passwordProblems: NFKC, common passwords, e-mail', () => {
  test('common passwords are refused, whatever the case', () => {
    expect(passwordProblems('Password1234!')).toEqual(['common']);
    expect(passwordProblems('PASSWORD1234!')).toEqual(['common']);
    expect(passwordProblems('Qwerty123456!')).toEqual(['common']);
  });

  test('full-width look-alikes are normalised (NFKC) before the checks', () => {
    // Full-width "Password1234!" is the common password once normalised.
    expect(passwordProblems('Ｐａｓｓｗｏｒｄ１２３４！')).toEqual(['common']);
    // The ligature "ﬁ" is two characters after NFKC.
    expect(passwordProblems('ﬁﬁﬁﬁﬁ!')).toEqual(['tooShort']);
    expect(passwordProblems(`ﬁ${RANDOM.slice(0, 9)}!`)).toEqual([]);
  });

  test('a password containing the e-mail local part is refused, case-insensitively', () => {
    expect(passwordProblems('my-Jan.Jansen-secret!', 'jan.jansen@example.org')).toEqual(['containsEmail']);
    expect(passwordProblems('JANSEN!JANSEN!', 'jansen@example.org')).toEqual(['containsEmail']);
    expect(passwordProblems(GOOD, 'jan.jansen@example.org')).toEqual([]);
  });

  test('a very short local part is not held against the password', () => {
    expect(passwordProblems('a1b2c3 d4e5f6!', 'a1b@example.org')).toEqual([]);
  });
});

describe('hashing', () => {
  test('hashPassword produces argon2id with m=19456, t=2, p=1 and a random salt', async () => {
    const a = await hashPassword(GOOD);
    const b = await hashPassword(GOOD);
    const [, type, version, params, salt, digest] = a.split('$');
    expect(type).toBe('argon2id');
    expect(version).toBe('v=19');
    expect(Object.fromEntries((params ?? '').split(',').map((p) => p.split('=')))).toEqual({ m: '19456', t: '2', p: '1' });
    expect(salt?.length).toBeGreaterThanOrEqual(22);
    expect(digest?.length).toBeGreaterThanOrEqual(43);
    expect(a).not.toBe(b);
    expect(a).not.toContain(GOOD);
  });

  test('verify accepts the password and refuses another', async () => {
    const hash = await hasher.hash(GOOD);
    expect(await hasher.verify(hash, GOOD)).toBe(true);
    expect(await hasher.verify(hash, 'Correct horse battery?')).toBe(false);
    expect(await hasher.verify(hash, '')).toBe(false);
  });

  test('canonically equal spellings verify (NFC and NFD, full-width)', async () => {
    const composed = 'Crème brûlée 2024!'.normalize('NFC');
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    const hash = await hasher.hash(composed);
    expect(await hasher.verify(hash, decomposed)).toBe(true);
    const wide = await hasher.hash('Ｓｔｒｏｎｇ ｐａｓｓ ９９！');
    expect(await hasher.verify(wide, 'Strong pass 99!')).toBe(true);
  });

  test('no truncation: a difference at the end of a long password counts', async () => {
    const long = `${'x'.repeat(600)}!`;
    const hash = await hasher.hash(long);
    expect(await hasher.verify(hash, `${'x'.repeat(600)}?`)).toBe(false);
    expect(await hasher.verify(hash, long)).toBe(true);
  });

  test('unknown accounts are checked against the dummy hash and never match', async () => {
    expect(await hasher.verify(undefined, GOOD)).toBe(false);
    expect(await hasher.verify(undefined, '')).toBe(false);
  });

  test('a corrupt stored hash or an oversized password is a plain mismatch, not an error', async () => {
    expect(await hasher.verify('not-a-hash', GOOD)).toBe(false);
    const hash = await hasher.hash(GOOD);
    expect(await hasher.verify(hash, 'x'.repeat(1_000_000))).toBe(false);
  });

  test('needsRehash is true for a weaker hash, which still verifies, and false for the current parameters', async () => {
    const weak = await argon2.hash(GOOD, { type: argon2.argon2id, memoryCost: 8192, timeCost: 2, parallelism: 1 });
    const weakArgon2i = await argon2.hash(GOOD, { type: argon2.argon2i, memoryCost: 19456, timeCost: 1, parallelism: 1 });
    expect(hasher.needsRehash(weak)).toBe(true);
    expect(hasher.needsRehash(weakArgon2i)).toBe(true);
    expect(await hasher.verify(weak, GOOD)).toBe(true);
    expect(hasher.needsRehash(await hasher.hash(GOOD))).toBe(false);
    expect(ARGON2_PARAMS).toMatchObject({ type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
  });
});

describe('the hasher bounds the argon2 computations at once (19 MiB each)', () => {
  test('at most maxConcurrent run, the rest wait their turn, and every answer is still right', async () => {
    const bounded = await createPasswordHasher({ maxConcurrent: 2 });
    const stored = await hashPassword(GOOD);
    await bounded.verify(stored, GOOD); // the dummy hash of start-up is done by now
    const checks = [GOOD, 'wrong one!', GOOD, 'wrong two!', GOOD, 'wrong three!'].map((password) => bounded.verify(stored, password));
    expect(bounded.load()).toEqual({ running: 2, waiting: 4 });
    expect(await Promise.all(checks)).toEqual([true, false, true, false, true, false]);
    expect(bounded.load()).toEqual({ running: 0, waiting: 0 });
  });

  test('a failing computation gives its turn to the next one', async () => {
    const bounded = await createPasswordHasher({ maxConcurrent: 1 });
    const stored = await hashPassword(GOOD);
    const answers = await Promise.all([bounded.verify('$argon2id$broken', GOOD), bounded.verify(stored, GOOD)]);
    expect(answers).toEqual([false, true]);
    expect(bounded.load()).toEqual({ running: 0, waiting: 0 });
  });
});
