/**
 * Seals small secrets (TOTP keys) at rest with AES-256-GCM under ENCRYPTION_KEY (node's crypto; nothing home-made).
 * Format: `v1.<iv>.<tag>.<ciphertext>` (base64url). The purpose is bound as additional data, so a sealed value
 * cannot be moved to another field or account.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export interface SecretBox {
  seal(plain: Buffer, context: string): string;
  open(sealed: string, context: string): Buffer;
  /** A keyed hash (HMAC-SHA256) for values that are looked up but never read back: codes. */
  mac(value: string, context: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('ENCRYPTION_KEY must be 32 bytes');
  const sealKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'poort seal v1', 32));
  const macKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'poort mac v1', 32));
  return {
    seal(plain, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', sealKey, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    open(sealed, context) {
      const [version, iv, tag, ciphertext] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new Error('sealed value has an unknown format');
      const decipher = createDecipheriv('aes-256-gcm', sealKey, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
    },
    mac(value, context) {
      return createHmac('sha256', macKey).update(context).update('\u0000').update(value).digest('base64url');
    },
  };
}
