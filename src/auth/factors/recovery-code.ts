/**
 * Recovery codes, the factor that stands in for any method (its amr is `rc`): 6 per set, 10 characters of Crockford base32 (50 bits) shown as XXXXX-XXXXX, shown once, stored
 * as keyed hashes; a code is spent by one conditional update, so 20 parallel submissions of one code win once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AMR } from '../../../config/oidc.ts';
import type { RecoveryCodeModel } from '../../db/models/recovery-code.ts';
import type { SecretBox } from '../secret-box.ts';

/** Its place in the registry (./index.ts): asked as `kind: 'recovery'` wherever a code is asked. */
export const RECOVERY_CODE = { id: 'recovery', amr: AMR.recovery } as const;

export const RECOVERY_CODE_COUNT = 6;
/** Warn the person when this many or fewer remain. */
export const RECOVERY_CODES_LOW = 2;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function newCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => ALPHABET[b & 31]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** Upper case, no separators or spaces, and the letters people confuse mapped as Crockford base32 does. */
export function normaliseRecoveryCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

export interface RecoveryCodes {
  /** Replaces the account's codes with a new set and returns them (the only time they exist in the clear). */
  regenerate(accountId: string): Promise<string[]>;
  /** Spends a code; returns how many unused codes remain, or null when the code is not valid. */
  use(accountId: string, input: string): Promise<number | null>;
  remaining(accountId: string): Promise<number>;
  remove(accountId: string): Promise<void>;
}

export function createRecoveryCodes(model: RecoveryCodeModel, box: SecretBox, now: () => Date): RecoveryCodes {
  const key = (accountId: string, code: string): string => box.mac(normaliseRecoveryCode(code), `recovery:${accountId}`);
  const remaining = (accountId: string): Promise<number> => model.countDocuments({ accountId, usedAt: { $exists: false } }).exec();
  return {
    async regenerate(accountId) {
      const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
      const setId = randomUUID();
      await model.insertMany(codes.map((code) => ({ _id: key(accountId, code), accountId, setId, createdAt: now() })));
      // The new set exists before the old one goes: a crash in between leaves the old codes, never none.
      await model.deleteMany({ accountId, setId: { $ne: setId } });
      return codes;
    },
    async use(accountId, input) {
      const normalised = normaliseRecoveryCode(input);
      if (!/^[0-9A-Z]{10}$/.test(normalised)) return null;
      const spent = await model.updateOne({ _id: key(accountId, normalised), accountId, usedAt: { $exists: false } }, { $set: { usedAt: now() } });
      return spent.modifiedCount === 1 ? remaining(accountId) : null;
    },
    remaining,
    async remove(accountId) {
      await model.deleteMany({ accountId });
    },
  };
}
