/**
 * `secrets reseal`: moves every sealed value that is not under the newest encryption key to it, so the older keys can
 * be removed (docs/operations.md#key-rotation).
 *
 * - Each value is replaced by one conditional update on its old text: a value changed meanwhile (a person set up a
 *   new app, a code page was shown) is left to its writer and counted as `changed`, never overwritten.
 * - Idempotent: a value under the newest key is left alone (`current`), so running it again, or on several machines
 *   at once, reseals each value once.
 * - A value no configured key opens is counted `unreadable` and left as it is.
 * - Not covered: recovery codes shown during a login, sealed inside oidc-provider's Interaction entry, whose sealing
 *   context (the interaction id) is stored only hashed. They live one interaction lifetime (TTL.Interaction, 1 hour).
 */
import type { mongo } from 'mongoose';
import { accountCodesContext } from './account-flow.ts';
import { totpSecretContext } from './factors/totp.ts';
import { MAC_KEY, type SecretBox } from './secret-box.ts';

interface Target {
  collection: string;
  /** Dotted path of the sealed field. */
  field: string;
  context(doc: Record<string, unknown>): string;
}

/** Every stored sealed value: the collection, its field, and the context it was sealed for. */
export const SEALED_FIELDS: readonly Target[] = [
  { collection: 'second_factors', field: 'totpSecret', context: (doc) => totpSecretContext(String(doc._id)) },
  { collection: 'enrolments', field: 'totpSecret', context: (doc) => totpSecretContext(String(doc.accountId)) },
  { collection: 'account_flows', field: 'recoveryCodes.sealed', context: (doc) => accountCodesContext(String(doc._id), String(doc.accountId)) },
  { collection: MAC_KEY.collection, field: 'sealed', context: () => MAC_KEY.context },
];

export interface ResealCounts {
  /** Resealed under the newest key by this run. */
  resealed: number;
  /** Already under the newest key. */
  current: number;
  /** Changed by someone else between this run's read and its update: left as the writer left it. */
  changed: number;
  /** Opened by none of the configured keys: left as it is. */
  unreadable: number;
}

const valueAt = (doc: Record<string, unknown>, path: string): unknown =>
  path.split('.').reduce<unknown>((value, part) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined), doc);

/** Reseals every sealed value not under the newest key; the counts per collection. */
export async function resealAll(db: mongo.Db, box: SecretBox): Promise<Record<string, ResealCounts>> {
  const result: Record<string, ResealCounts> = {};
  for (const target of SEALED_FIELDS) {
    const counts: ResealCounts = { resealed: 0, current: 0, changed: 0, unreadable: 0 };
    result[target.collection] = counts;
    const collection = db.collection<Record<string, unknown>>(target.collection);
    const cursor = collection.find({ [target.field]: { $type: 'string' } }, { projection: { _id: 1, accountId: 1, [target.field]: 1 } });
    for await (const doc of cursor) {
      const sealed = valueAt(doc, target.field) as string;
      if (box.isCurrent(sealed)) {
        counts.current += 1;
        continue;
      }
      let resealed: string;
      try {
        const context = target.context(doc);
        resealed = box.seal(box.open(sealed, context), context);
      } catch {
        counts.unreadable += 1;
        continue;
      }
      const updated = await collection.updateOne({ _id: doc._id, [target.field]: sealed }, { $set: { [target.field]: resealed } });
      if (updated.modifiedCount === 1) counts.resealed += 1;
      else counts.changed += 1;
    }
  }
  return result;
}
