/**
 * Passwords: the seed's rules (at least 12 characters and 1 special character) plus what a serious IdP adds
 * (at most 1024 bytes, NFKC normalisation, no common passwords, not the e-mail's local part), hashed with argon2id.
 */
import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';

/** OWASP's argon2id minimum (m=19 MiB, t=2, p=1). Raising these makes logins rehash stored passwords. */
export const ARGON2_PARAMS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
export const PASSWORD_MIN_LENGTH = 12;
/** Longer input is refused before hashing (a cheap guard against hashing huge bodies). */
export const PASSWORD_MAX_BYTES = 1024;

export type PasswordProblem = 'tooShort' | 'tooLong' | 'noSpecial' | 'common' | 'containsEmail';

const COMMON = new Set([
  'password1234', 'password123!', 'welcome12345', 'qwertyuiop12', '123456789012', 'letmein12345', 'administrator',
  'iloveyou1234', 'wachtwoord12', 'wachtwoord123!', 'welkom123456', 'welkom12345!', 'p@ssword1234', 'p@ssw0rd1234',
  'password1234!', 'qwerty123456!', 'abcdefghijk!', 'changeme1234!',
]);

export function normalisePassword(password: string): string {
  return password.normalize('NFKC');
}

/** The rules a new password must meet; an empty list means it is acceptable. */
export function passwordProblems(password: string, email?: string): PasswordProblem[] {
  const normalised = normalisePassword(password);
  const problems: PasswordProblem[] = [];
  if (Buffer.byteLength(normalised, 'utf8') > PASSWORD_MAX_BYTES) problems.push('tooLong');
  if ([...normalised].length < PASSWORD_MIN_LENGTH) problems.push('tooShort');
  if (!/[^\p{L}\p{N}]/u.test(normalised)) problems.push('noSpecial');
  if (COMMON.has(normalised.toLowerCase())) problems.push('common');
  const local = email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && normalised.toLowerCase().includes(local)) problems.push('containsEmail');
  return problems;
}

export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(normalisePassword(password), ARGON2_PARAMS);
}

export interface PasswordHasher {
  /** True when the password matches. Unknown accounts are checked against a dummy hash, so timing is the same. */
  verify(hash: string | undefined, password: string): Promise<boolean>;
  needsRehash(hash: string): boolean;
  hash(password: string): Promise<string>;
}

export async function createPasswordHasher(): Promise<PasswordHasher> {
  // Hashed in the background (argon2 runs on the thread pool) so start-up does not wait for it.
  const dummy = argon2.hash(randomBytes(32).toString('base64'), ARGON2_PARAMS);
  dummy.catch(() => undefined); // a failure surfaces in verify, not as an unhandled rejection
  return {
    async verify(hash, password) {
      if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES * 4) return false;
      try {
        const ok = await argon2.verify(hash ?? (await dummy), normalisePassword(password));
        return ok && hash !== undefined;
      } catch {
        return false;
      }
    },
    needsRehash: (hash) => argon2.needsRehash(hash, ARGON2_PARAMS),
    hash: hashPassword,
  };
}
