/**
 * Passwords: the seed's rules (at least 12 characters and 1 special character) plus what a serious IdP adds
 * (at most 1024 bytes, NFKC normalisation, not easy to guess by zxcvbn's estimate, not the e-mail's local part nor the
 * person's name), hashed with argon2id.
 */
import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { assessPassword, COMMON_PASSWORD_WARNINGS, MIN_SCORE, type PasswordAssessment, type PasswordInputs } from './password-strength.ts';

export type { PasswordInputs };

/** OWASP's argon2id minimum (m=19 MiB, t=2, p=1). Raising these makes logins rehash stored passwords. */
export const ARGON2_PARAMS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
export const PASSWORD_MIN_LENGTH = 12;
/** Longer input is refused before hashing (a cheap guard against hashing huge bodies). */
export const PASSWORD_MAX_BYTES = 1024;

export type PasswordProblem = 'tooShort' | 'tooLong' | 'noSpecial' | 'common' | 'weak' | 'containsEmail' | 'containsName';

/** A word of the name shorter than this (an initial, "van", "de") is not held against the password. */
const MIN_NAME_WORD_LENGTH = 4;

export function normalisePassword(password: string): string {
  return password.normalize('NFKC');
}

const inputsOf = (inputs: string | PasswordInputs | undefined): PasswordInputs =>
  typeof inputs === 'string' ? { email: inputs } : inputs ?? {};

function evaluate(password: string, inputs: PasswordInputs): { problems: PasswordProblem[]; assessment?: PasswordAssessment } {
  const normalised = normalisePassword(password);
  const lower = normalised.toLowerCase();
  const problems: PasswordProblem[] = [];
  if (Buffer.byteLength(normalised, 'utf8') > PASSWORD_MAX_BYTES) problems.push('tooLong');
  if ([...normalised].length < PASSWORD_MIN_LENGTH) problems.push('tooShort');
  if (!/[^\p{L}\p{N}]/u.test(normalised)) problems.push('noSpecial');

  const personal: PasswordProblem[] = [];
  const local = inputs.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lower.includes(local)) personal.push('containsEmail');
  const nameWords = (inputs.name ?? '').normalize('NFKC').toLowerCase().split(/[^\p{L}\p{N}]+/u);
  if (nameWords.some((word) => [...word].length >= MIN_NAME_WORD_LENGTH && lower.includes(word))) personal.push('containsName');

  // zxcvbn judges only a password that meets the rules above: those are fixed first, and no over-long input reaches it.
  if (problems.length > 0) return { problems: [...problems, ...personal] };
  const assessment = assessPassword(normalised, inputs);
  if (assessment.listed || (assessment.warning !== undefined && COMMON_PASSWORD_WARNINGS.includes(assessment.warning))) {
    problems.push('common');
  } else if (assessment.score < MIN_SCORE && personal.length === 0) {
    // A password built on the person's own address or name is weak for that reason, which is the problem reported.
    problems.push('weak');
  }
  return { problems: [...problems, ...personal], assessment };
}

/**
 * The rules a new password must meet; an empty list means it is acceptable. `inputs` is the person's e-mail address
 * or, to also hold the name, organisation and platform against the password, all of them.
 */
export function passwordProblems(password: string, inputs?: string | PasswordInputs): PasswordProblem[] {
  return evaluate(password, inputsOf(inputs)).problems;
}

/**
 * zxcvbn's feedback keys (its warning first, then its suggestions; see feedbackText in password-strength.ts) for a
 * password refused as `weak` or `common`; otherwise none.
 */
export function passwordFeedback(password: string, inputs?: string | PasswordInputs): string[] {
  const { problems, assessment } = evaluate(password, inputsOf(inputs));
  if (!assessment || !problems.some((problem) => problem === 'weak' || problem === 'common')) return [];
  return [...(assessment.warning ? [assessment.warning] : []), ...assessment.suggestions];
}

export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(normalisePassword(password), ARGON2_PARAMS);
}

export interface PasswordHasher {
  /** True when the password matches. Unknown accounts are checked against a dummy hash, so timing is the same. */
  verify(hash: string | undefined, password: string): Promise<boolean>;
  needsRehash(hash: string): boolean;
  hash(password: string): Promise<string>;
  /** Hashes and verifications running now, and those waiting for a turn (the metrics read these). */
  load(): { running: number; waiting: number };
}

export interface PasswordHasherOptions {
  /**
   * At most this many argon2 computations at once; the rest wait their turn in order. Each holds 19 MiB while it
   * runs, so this bounds the memory logins take under load (docs/benchmarks.md). Default 4, libuv's thread pool
   * size unless UV_THREADPOOL_SIZE says otherwise (config.hashConcurrency): as many as can run at once anyway.
   */
  maxConcurrent?: number;
}

/** A first-come, first-served bound on concurrent work. */
function createGate(limit: number) {
  let running = 0;
  const queue: (() => void)[] = [];
  const release = (): void => {
    const next = queue.shift();
    if (next) next();
    else running -= 1;
  };
  return {
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (running < limit) running += 1;
      else await new Promise<void>((resolve) => queue.push(resolve)); // the releaser hands its turn over
      try {
        return await work();
      } finally {
        release();
      }
    },
    load: () => ({ running, waiting: queue.length }),
  };
}

export async function createPasswordHasher(options: PasswordHasherOptions = {}): Promise<PasswordHasher> {
  const gate = createGate(options.maxConcurrent ?? 4);
  // Hashed in the background (argon2 runs on the thread pool) so start-up does not wait for it.
  const dummy = gate.run(() => argon2.hash(randomBytes(32).toString('base64'), ARGON2_PARAMS));
  dummy.catch(() => undefined); // a failure surfaces in verify, not as an unhandled rejection
  return {
    async verify(hash, password) {
      if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES * 4) return false;
      try {
        const against = hash ?? (await dummy);
        const ok = await gate.run(() => argon2.verify(against, normalisePassword(password)));
        return ok && hash !== undefined;
      } catch {
        return false;
      }
    },
    needsRehash: (hash) => argon2.needsRehash(hash, ARGON2_PARAMS),
    hash: (password) => gate.run(() => hashPassword(password)),
    load: gate.load,
  };
}
