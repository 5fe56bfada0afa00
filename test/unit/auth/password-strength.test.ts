/**
 * The rules of a new password with zxcvbn-ts: the seed's rules (length, special character, byte limit) come first and
 * are unchanged; then a common password, a password easy to guess, and one built on the person's own address or name
 * are refused, each with its own problem; a strong passphrase passes. zxcvbn's feedback comes as keys that the
 * language packages translate.
 */
import { createHash } from 'node:crypto';
import {
  PASSWORD_MAX_BYTES, PASSWORD_MIN_LENGTH, passwordFeedback, passwordProblems, type PasswordInputs, type PasswordProblem,
} from '../../../src/auth/password.ts';
import {
  feedbackText, MIN_SCORE, passwordStrength, passwordUserInputs, preparePasswordStrength,
} from '../../../src/auth/password-strength.ts';

const PERSON: PasswordInputs = {
  email: 'jan.jansen@example.org',
  name: 'Anne-Marie van den Berg',
  organisation: 'Zorggroep Noorderlicht',
  platform: 'Zorgplatform Noord',
};

/** `length` characters picked from `alphabet` by a fixed pseudo-random sequence: no pattern zxcvbn could find. */
function scattered(alphabet: string, length: number): string {
  const characters = [...alphabet];
  let out = '';
  for (let block = 0; [...out].length < length; block += 1) {
    for (const byte of createHash('sha256').update(`poort-${block}`).digest()) {
      if ([...out].length < length) out += characters[byte % characters.length];
    }
  }
  return out;
}

beforeAll(async () => {
  // The dictionaries load once for the file; the tests below then run at the warm speed.
  await preparePasswordStrength();
});

describe('passwordProblems: each rule refuses on its own', () => {
  test.each<[string, string, PasswordInputs | string | undefined, PasswordProblem[]]>([
    ['fewer than 12 characters', 'Kameel7!tra', undefined, ['tooShort']],
    ['no special character', 'KameelTraptLantaarnsOmver42', undefined, ['noSpecial']],
    ['a password from the leaked lists', 'Password123!', undefined, ['common']],
    ['a keyboard password from the leaked lists', '1qaz2wsx3edc!', undefined, ['common']],
    ['the e-mail local part', 'my-Jan.Jansen-secret!', PERSON, ['containsEmail']],
    ['the e-mail local part, the address given as a string', 'my-Jan.Jansen-secret!', 'jan.jansen@example.org', ['containsEmail']],
    ['a word of the name', 'Annemarie fietst 42 km!', PERSON, ['containsName']],
    ['another word of the name, in capitals', 'ik-ben-MARIE-uit-Zwolle!', PERSON, ['containsName']],
    ['one repeated character', 'aaaaaaaaaaa!', undefined, ['weak']],
    ['a keyboard walk', 'qwertyuiop[]', undefined, ['weak']],
    ['an alphabet run', 'abcdefghijk!', undefined, ['weak']],
    ['the organisation name with a ! appended', 'Zorggroep Noorderlicht!', PERSON, ['weak']],
    ['the platform name with a ! appended', 'Zorgplatform Noord!', PERSON, ['weak']],
  ])('%s: %s', (_what, password, inputs, expected) => {
    expect(passwordProblems(password, inputs)).toEqual(expected);
  });
});

describe('passwordProblems: strong passwords pass', () => {
  test.each([
    'Correct horse battery!',
    'Een goed wachtwoord!',
    'kameel trapt zeven lantaarns om',
    'zebra-lamp-42',
  ])('%s', (password) => {
    expect(passwordProblems(password, PERSON)).toEqual([]);
  });

  test('a short local part (under 4 characters) is not held against the password', () => {
    expect(passwordProblems('a1b2c3 d4e5f6!', 'a1b@example.org')).toEqual([]);
  });

  test('name words under 4 characters ("van", "den") are not held against the password', () => {
    expect(passwordProblems('van kameel den lantaarn 42!', { name: 'Jo van den Berg' })).toEqual([]);
  });
});

describe('passwordProblems: the seed rules come first and are unchanged', () => {
  test('several seed problems are reported together, in the same order', () => {
    expect(passwordProblems('short')).toEqual(['tooShort', 'noSpecial']);
  });

  test('zxcvbn does not judge a password that fails a seed rule', () => {
    expect(passwordProblems('aaaaaaaaaa!')).toEqual(['tooShort']);
  });

  test('a seed problem and the e-mail are reported together', () => {
    expect(passwordProblems('jan.jansen!', 'jan.jansen@example.org')).toEqual(['tooShort', 'containsEmail']);
  });

  test(`exactly ${PASSWORD_MAX_BYTES} bytes is accepted`, () => {
    expect(passwordProblems(`${scattered('abcdefghijklmnopqrstuvwxyz0123456789', PASSWORD_MAX_BYTES - 1)}!`)).toEqual([]);
  });

  test(`${PASSWORD_MAX_BYTES + 1} bytes is too long`, () => {
    expect(passwordProblems(`${scattered('abcdefghijklmnopqrstuvwxyz0123456789', PASSWORD_MAX_BYTES)}!`)).toEqual(['tooLong']);
  });

  test('the byte limit counts bytes: 511 two-byte characters and two one-byte ones fit', () => {
    expect(passwordProblems(`${scattered('éàüöçñßøåæ', 511)}!!`)).toEqual([]);
  });

  test('the byte limit counts bytes: 512 two-byte characters and one more byte do not', () => {
    expect(passwordProblems(`${scattered('éàüöçñßøåæ', 512)}!`)).toEqual(['tooLong']);
  });

  test(`the length counts characters: ${PASSWORD_MIN_LENGTH - 1} four-byte characters are too short`, () => {
    expect(passwordProblems(`${scattered('🔑🐢🍋🚲🌵🎈🧭🦉🍄🛶', PASSWORD_MIN_LENGTH - 2)}!`)).toEqual(['tooShort']);
  });

  test(`the length counts characters: ${PASSWORD_MIN_LENGTH} four-byte characters are enough`, () => {
    expect(passwordProblems(`${scattered('🔑🐢🍋🚲🌵🎈🧭🦉🍄🛶', PASSWORD_MIN_LENGTH - 1)}!`)).toEqual([]);
  });

  test('full-width look-alikes are normalised (NFKC) before the checks', () => {
    expect(passwordProblems('Ｐａｓｓｗｏｒｄ１２３４！')).toEqual(['common']);
  });
});

describe('passwordFeedback', () => {
  test('a weak password gets zxcvbn\'s warning first, then its suggestions', () => {
    expect(passwordFeedback('aaaaaaaaaaa!')).toEqual(['warnings.simpleRepeat', 'suggestions.anotherWord', 'suggestions.repeated']);
  });

  test('a common password gets feedback too', () => {
    expect(passwordFeedback('Password123!')[0]).toBe('warnings.similarToCommon');
  });

  test('an accepted password gets none', () => {
    expect(passwordFeedback('Correct horse battery!', PERSON)).toEqual([]);
  });

  test('a password refused for a seed rule only gets none', () => {
    expect(passwordFeedback('aaaaaaaaaa!')).toEqual([]);
  });

  test('a password refused for the e-mail only gets none', () => {
    expect(passwordFeedback('my-Jan.Jansen-secret!', PERSON)).toEqual([]);
  });
});

describe('passwordStrength', () => {
  test('MIN_SCORE is 3', () => {
    expect(MIN_SCORE).toBe(3);
  });

  test('a strong passphrase scores 4 without feedback', () => {
    expect(passwordStrength('Correct horse battery!', PERSON)).toEqual({ score: 4, suggestions: [] });
  });

  test('a keyboard walk scores below MIN_SCORE with qualified feedback keys', () => {
    expect(passwordStrength('qwertyuiop[]', {})).toEqual({
      score: 1, warning: 'warnings.straightRow', suggestions: ['suggestions.anotherWord', 'suggestions.longerKeyboardPattern'],
    });
  });

  test('the person\'s inputs count: the organisation name alone scores far lower with them than without', () => {
    expect(passwordStrength('Zorggroep Noorderlicht!', PERSON).score).toBeLessThan(passwordStrength('Zorggroep Noorderlicht!', {}).score);
  });

  test('the inputs dictionary holds the address, its pieces, the names and their words', () => {
    expect(passwordUserInputs(PERSON).sort()).toEqual([
      'anne', 'anne-marie van den berg', 'berg', 'den', 'example', 'jan', 'jan.jansen', 'jan.jansen@example.org', 'jansen',
      'marie', 'noord', 'noorderlicht', 'van', 'zorggroep', 'zorggroep noorderlicht', 'zorgplatform', 'zorgplatform noord',
    ]);
  });
});

describe('feedbackText', () => {
  const keys = [...new Set(['aaaaaaaaaaa!', 'qwertyuiop[]', 'abcdefghijk!', 'Password123!', 'Zorggroep Noorderlicht!', 'Noorderlicht!']
    .flatMap((password) => passwordFeedback(password, PERSON)))];

  test('the passwords above give a range of feedback', () => {
    expect(keys.length).toBeGreaterThanOrEqual(8);
  });

  test.each(keys)('%s reads differently in English and Dutch', (key) => {
    const en = feedbackText(key, 'en');
    const nl = feedbackText(key, 'nl');
    expect({ en: en.length > 0 && en !== key, nl: nl.length > 0 && nl !== key, differ: en !== nl }).toEqual({ en: true, nl: true, differ: true });
  });

  test('a key naming both a warning and a suggestion is told apart by its section', () => {
    expect(feedbackText('warnings.dates', 'en')).not.toBe(feedbackText('suggestions.dates', 'en'));
  });

  test('an unknown key is returned as it is', () => {
    expect(feedbackText('warnings.noSuchThing', 'nl')).toBe('warnings.noSuchThing');
  });
});
