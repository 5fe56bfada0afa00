/**
 * How hard a password is to guess, estimated by zxcvbn-ts with the common (leaked passwords, diceware), English and
 * Dutch (nl-be) dictionaries and the keyboard adjacency graphs, plus a dictionary of the person's own inputs: the
 * e-mail address, the name, the organisation and the platform.
 *
 * State: this module keeps one thing, the zxcvbn instance, built on first use and never changed after. It is pure
 * configuration (dictionaries, keyboard graphs, translation keys, limits) and holds nothing of a person or a request:
 * the inputs dictionary is passed with every check. Building it is costly (the language packages take about 120 ms to
 * load and the ranked dictionaries 140 to 200 ms to build, some 60 MB of memory all told), so nothing happens at import:
 * the packages are loaded with `require` only when the instance is first needed, or ahead of time, off the start-up
 * path, by `preparePasswordStrength`.
 *
 * Feedback keys: without translations zxcvbn-ts returns bare keys ('topTen', 'dates', …), but a few of them
 * ('dates', 'recentYears', 'sequences', 'pwned') name both a warning and a suggestion. The instance is therefore
 * configured with qualified keys, so a warning reads 'warnings.topTen' and a suggestion 'suggestions.dates';
 * `feedbackText` turns one into the language packages' own sentence.
 */
import { createRequire } from 'node:module';
import type * as Core from '@zxcvbn-ts/core';
import type * as Common from '@zxcvbn-ts/language-common';
import type * as English from '@zxcvbn-ts/language-en';
import type * as Dutch from '@zxcvbn-ts/language-nl-be';

/** The lowest zxcvbn score a new password must reach: 3 is "safely unguessable" (about 10^8 guesses or more). */
export const MIN_SCORE = 3;

export interface PasswordInputs {
  email?: string;
  name?: string;
  organisation?: string;
  platform?: string;
}

export type PasswordScore = 0 | 1 | 2 | 3 | 4;

export interface PasswordStrength {
  score: PasswordScore;
  /** A feedback key such as 'warnings.topTen'; absent when zxcvbn has no warning. */
  warning?: string;
  /** Feedback keys such as 'suggestions.anotherWord'. */
  suggestions: string[];
}

/** The strength, and whether the whole password is an entry of a leaked-password list (ignoring case and l33t). */
export interface PasswordAssessment extends PasswordStrength {
  listed: boolean;
}

/** The warnings zxcvbn gives for a password that is, or is close to, one from its leaked-password lists. */
export const COMMON_PASSWORD_WARNINGS: readonly string[] = ['warnings.topTen', 'warnings.topHundred', 'warnings.common', 'warnings.similarToCommon'];

/**
 * Only the first 32 characters are scored: zxcvbn's dictionary and l33t matching grow steeply with length and block the
 * event loop meanwhile (a 256-character input took close to a second, 64 random characters about 200 ms, 32 at most
 * about 50 ms), and 32 characters without an easy pattern at their start are strong anyway.
 */
const MAX_SCORED_LENGTH = 32;
/** zxcvbn's default of 100 l33t variants costs up to 100 ms on a 16-character password; 10 found the same ones. */
const L33T_MAX_SUBSTITUTIONS = 10;
/** Shorter pieces of the inputs (initials, "de", "nl") would match by chance and say nothing about the person. */
const MIN_INPUT_LENGTH = 3;

// The packages ship CommonJS builds; loading them on demand keeps their cost out of the import of this module.
const load = createRequire(import.meta.url);
const core = (): typeof Core => load('@zxcvbn-ts/core') as typeof Core;
const common = (): typeof Common => load('@zxcvbn-ts/language-common') as typeof Common;
const english = (): typeof English => load('@zxcvbn-ts/language-en') as typeof English;
const dutch = (): typeof Dutch => load('@zxcvbn-ts/language-nl-be') as typeof Dutch;

type Translations = typeof English.translations;

let instance: Core.ZxcvbnFactory | undefined;

function zxcvbn(): Core.ZxcvbnFactory {
  if (instance) return instance;
  const { Options, ZxcvbnFactory } = core();
  const { adjacencyGraphs, dictionary: commonDictionary } = common();
  // Every translation becomes its own qualified key (see the header); zxcvbn checks that none is missing.
  const keys = Object.fromEntries(Object.entries(new Options().translations).map(([section, entries]) =>
    [section, Object.fromEntries(Object.keys(entries).map((key) => [key, `${section}.${key}`]))])) as unknown as Core.OptionsType['translations'];
  const { 'diceware-common': diceware, ...passwordLists } = commonDictionary;
  instance = new ZxcvbnFactory({
    dictionary: {
      ...passwordLists,
      // zxcvbn scores a diceware word as 6^5/2 guesses only when its list is named exactly 'diceware'.
      diceware,
      ...english().dictionary,
      // The Dutch lists carry no language suffix; one is added so they cannot replace a list of the same name.
      ...Object.fromEntries(Object.entries(dutch().dictionary).map(([name, words]) => [`${name}-nl`, words])),
    },
    graphs: adjacencyGraphs,
    translations: keys,
    maxLength: MAX_SCORED_LENGTH,
    l33tMaxSubstitutions: L33T_MAX_SUBSTITUTIONS,
  });
  return instance;
}

/**
 * Loads the dictionaries and builds the zxcvbn instance in the background, a step per turn of the event loop, so a
 * caller at start-up is not held up and the first password check is fast. Each step blocks the loop for at most
 * about 200 ms (building the instance itself); the timers do not keep a process alive. Calling it again is harmless.
 */
export function preparePasswordStrength(): Promise<void> {
  const steps = [core, common, english, dutch, zxcvbn];
  return new Promise((resolve, reject) => {
    const next = (): void => {
      const step = steps.shift();
      if (!step || instance) {
        resolve();
        return;
      }
      try {
        step();
      } catch (error) {
        reject(error as Error);
        return;
      }
      setImmediate(next).unref();
    };
    setImmediate(next).unref();
  });
}

const words = (text: string): string[] => text.split(/[\s._+\-'’@,/()&]+/u);

/** The person's own words: the address whole, its local part and the pieces of it, the names and their words. */
export function passwordUserInputs(inputs: PasswordInputs): string[] {
  const found = new Set<string>();
  const add = (text: string | undefined): void => {
    const value = text?.normalize('NFKC').trim().toLowerCase();
    if (value && [...value].length >= MIN_INPUT_LENGTH) found.add(value);
  };
  const email = inputs.email?.trim();
  if (email) {
    add(email);
    const at = email.lastIndexOf('@');
    const local = at >= 0 ? email.slice(0, at) : email;
    add(local);
    for (const piece of local.split(/[._+-]+/)) add(piece);
    // The domain's names without the top-level one: an organisation's address often carries its name.
    if (at >= 0) for (const label of email.slice(at + 1).split('.').slice(0, -1)) add(label);
  }
  for (const text of [inputs.name, inputs.organisation, inputs.platform]) {
    if (!text) continue;
    add(text);
    for (const word of words(text)) add(word);
  }
  return [...found];
}

/** The strength and whether the password is a listed one: what `passwordProblems` decides on. */
export function assessPassword(password: string, inputs: PasswordInputs): PasswordAssessment {
  const result = zxcvbn().check(password.normalize('NFKC'), passwordUserInputs(inputs));
  const [only, ...more] = result.sequence;
  const listed = more.length === 0 && only?.pattern === 'dictionary' && 'dictionaryName' in only
    && only.dictionaryName.includes('passwords') && only.token.length === result.password.length;
  const { warning } = result.feedback;
  return {
    score: result.score,
    ...(warning ? { warning } : {}),
    // "No need for symbols" contradicts Poort's rule of one special character; zxcvbn gives it for an empty input only.
    suggestions: result.feedback.suggestions.filter((key) => key !== 'suggestions.noNeed'),
    listed,
  };
}

/** zxcvbn's score for the password (0 to 4) with its feedback keys; the score does not look at Poort's own rules. */
export function passwordStrength(password: string, inputs: PasswordInputs): PasswordStrength {
  const { score, warning, suggestions } = assessPassword(password, inputs);
  return { score, ...(warning ? { warning } : {}), suggestions };
}

/**
 * The sentence for a feedback key ('warnings.topTen', 'suggestions.anotherWord'), from language-en or language-nl-be,
 * falling back to English; an unknown key is returned as it is.
 */
export function feedbackText(key: string, locale: 'en' | 'nl'): string {
  const [section = '', name = ''] = key.split('.', 2);
  const lookUp = (translations: Translations): string | undefined => {
    const entries = (translations as Record<string, Record<string, unknown> | undefined>)[section];
    const text = entries && Object.hasOwn(entries, name) ? entries[name] : undefined;
    return typeof text === 'string' ? text : undefined;
  };
  return (locale === 'nl' ? lookUp(dutch().translations) : undefined) ?? lookUp(english().translations) ?? key;
}
