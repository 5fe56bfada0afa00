/**
 * Seals small secrets (TOTP keys, recovery codes waiting to be shown) at rest with AES-256-GCM under the encryption
 * keys (ENCRYPTION_KEYS, newest first; node's crypto, nothing home-made). The purpose is bound as additional data, so
 * a sealed value cannot be moved to another field or account.
 *
 * - Format `v2.<kid>.<iv>.<tag>.<ciphertext>` (base64url parts): sealed under the first (newest) key, opened with the
 *   key its kid names. A kid that is not configured does not open (the key was removed too early).
 * - Format `v1.<iv>.<tag>.<ciphertext>`: sealed by earlier versions under the single ENCRYPTION_KEY, which carried no
 *   kid. Each configured key is tried, newest first; the GCM tag tells the right one. `secrets reseal` moves them on.
 * - `mac()`, the keyed hash of values looked up but never read back (recovery codes, SMS codes), uses one MAC key
 *   that does not change with the encryption keys: a hash cannot be re-keyed without the value, and recovery codes
 *   live until used. The MAC key is stored sealed in `secret_keys` (`storedMacKey`) and resealed like any value.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { mongo } from 'mongoose';

/** One encryption key and its id, as ENCRYPTION_KEYS lists them (config/load.ts). */
export interface EncryptionKey {
  kid: string;
  key: Buffer;
}

export interface SecretBox {
  seal(plain: Buffer, context: string): string;
  open(sealed: string, context: string): Buffer;
  /** The kid a sealed value is under (`undefined` for a v1 value, which names none). */
  kidOf(sealed: string): string | undefined;
  /** True when the value is sealed under the newest key (nothing for `secrets reseal` to do). */
  isCurrent(sealed: string): boolean;
  /** A keyed hash (HMAC-SHA256) for values that are looked up but never read back: codes. */
  mac(value: string, context: string): string;
}

const sealKeyOf = (key: Buffer): Buffer => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'poort seal v1', 32));

/** The MAC key earlier versions derived from their single ENCRYPTION_KEY: the first MAC key a database stores. */
export const derivedMacKey = (key: Buffer): Buffer => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'poort mac v1', 32));

function decrypt(sealKey: Buffer, iv: string, tag: string, ciphertext: string, context: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', sealKey, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
}

/**
 * `keys`: newest first, at least one. `macKey`: the stored MAC key (`storedMacKey`); without it, the one derived from
 * the oldest key (what earlier versions used, and right for a box that never sees a database).
 */
export function createSecretBox(keys: readonly EncryptionKey[], macKey?: Buffer): SecretBox {
  const newest = keys[0];
  if (!newest) throw new Error('ENCRYPTION_KEYS must hold at least one key');
  for (const { kid, key } of keys) {
    if (key.length !== 32) throw new Error(`encryption key ${kid} must be 32 bytes`);
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(kid)) throw new Error(`encryption key id ${kid} must be 1 to 32 letters, digits, - or _`);
  }
  const sealKeys = new Map(keys.map(({ kid, key }) => [kid, sealKeyOf(key)]));
  const newestSealKey = sealKeys.get(newest.kid) as Buffer;
  const hmacKey = macKey ?? derivedMacKey((keys[keys.length - 1] as EncryptionKey).key);
  if (hmacKey.length !== 32) throw new Error('the MAC key must be 32 bytes');
  const kidOf = (sealed: string): string | undefined => (sealed.startsWith('v2.') ? sealed.split('.')[1] : undefined);
  return {
    seal(plain, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', newestSealKey, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
      return ['v2', newest.kid, ...[iv, cipher.getAuthTag(), ciphertext].map((p) => p.toString('base64url'))].join('.');
    },
    open(sealed, context) {
      const parts = sealed.split('.');
      if (parts[0] === 'v2' && parts.length === 5) {
        const [, kid = '', iv = '', tag = '', ciphertext = ''] = parts;
        const sealKey = sealKeys.get(kid);
        if (!sealKey) throw new Error(`sealed under encryption key ${kid}, which is not configured`);
        return decrypt(sealKey, iv, tag, ciphertext, context);
      }
      if (parts[0] === 'v1' && parts.length === 4) {
        const [, iv = '', tag = '', ciphertext = ''] = parts;
        for (const sealKey of sealKeys.values()) {
          try {
            return decrypt(sealKey, iv, tag, ciphertext, context);
          } catch {
            // Not this key: try the next one.
          }
        }
        throw new Error('sealed value (v1) opens with none of the configured encryption keys');
      }
      throw new Error('sealed value has an unknown format');
    },
    kidOf,
    isCurrent: (sealed) => kidOf(sealed) === newest.kid,
    mac(value, context) {
      return createHmac('sha256', hmacKey).update(context).update('\u0000').update(value).digest('base64url');
    },
  };
}

/** Where the MAC key is kept, sealed: collection `secret_keys`, this `_id`, this sealing context. */
export const MAC_KEY = { collection: 'secret_keys', id: 'mac', context: 'secret-key:mac' } as const;

export interface StoredSecretKey {
  _id: string;
  sealed: string;
  createdAt: Date;
}

/**
 * The MAC key stored in the database, sealed under the encryption keys. A database without one (a new deployment, or
 * one upgraded from a single ENCRYPTION_KEY) stores the key derived from the oldest configured key, the one earlier
 * versions hashed with, so codes issued before keep verifying. Nodes starting at once store it once (unique `_id`).
 */
export async function storedMacKey(db: mongo.Db, keys: readonly EncryptionKey[], now: () => Date): Promise<Buffer> {
  const box = createSecretBox(keys);
  const collection = db.collection<StoredSecretKey>(MAC_KEY.collection);
  let stored = await collection.findOne({ _id: MAC_KEY.id });
  if (!stored) {
    const initial = derivedMacKey((keys[keys.length - 1] as EncryptionKey).key);
    try {
      await collection.insertOne({ _id: MAC_KEY.id, sealed: box.seal(initial, MAC_KEY.context), createdAt: now() });
      return initial;
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      stored = await collection.findOne({ _id: MAC_KEY.id });
      if (!stored) throw error;
    }
  }
  try {
    return box.open(stored.sealed, MAC_KEY.context);
  } catch (error) {
    throw new Error(`the MAC key in ${MAC_KEY.collection} cannot be opened (${(error as Error).message}): configure the encryption key it is sealed under again, then run \`secrets reseal\``);
  }
}
