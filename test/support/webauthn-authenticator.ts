/**
 * A software WebAuthn authenticator for tests without a browser: it answers registration and sign-in options with
 * the JSON @simplewebauthn/browser would post (attestation 'none', ES256 keys from node:crypto, CBOR and base64url
 * by the server library's own helpers). A test may change the origin, challenge or counter it signs.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';

export interface SoftAuthenticatorOptions {
  origin: string;
  /** Default: the origin's host name. */
  rpId?: string;
  /** A synced passkey (backup eligible and backed up): the server sees a multi-device credential. */
  backupEligible?: boolean;
  /** How much the signature counter grows per use (0: always 0). Default 1. */
  counterStep?: number;
}

export interface SoftCredential {
  id: string;
  counter: number;
}

interface Held extends SoftCredential {
  privateKey: KeyObject;
}

const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();

export function createSoftAuthenticator(options: SoftAuthenticatorOptions) {
  const rpId = options.rpId ?? new URL(options.origin).hostname;
  const step = options.counterStep ?? 1;
  const held: Held[] = [];

  function flags(attested: boolean): number {
    // UP and UV; BE and BS for a synced passkey; AT when credential data follows.
    return 0x01 | 0x04 | (options.backupEligible ? 0x18 : 0) | (attested ? 0x40 : 0);
  }

  function authData(counter: number, attested?: Buffer): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags(attested !== undefined)]), count, attested ?? Buffer.alloc(0)]);
  }

  function clientData(type: string, challenge: string, origin: string): string {
    return isoBase64URL.fromBuffer(Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false })));
  }

  return {
    get credentials(): readonly SoftCredential[] {
      return held.map(({ id, counter }) => ({ id, counter }));
    },

    register(creation: PublicKeyCredentialCreationOptionsJSON, override: { origin?: string; challenge?: string; type?: string } = {}): RegistrationResponseJSON {
      if (creation.excludeCredentials?.some((excluded) => held.some((credential) => credential.id === excluded.id))) {
        throw new Error('this authenticator holds an excluded credential');
      }
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' });
      const rawId = randomBytes(16);
      const id = isoBase64URL.fromBuffer(rawId);
      const cose = isoCBOR.encode(new Map<number, number | Uint8Array>([
        [1, 2], [3, -7], [-1, 1], [-2, isoBase64URL.toBuffer(jwk.x ?? '')], [-3, isoBase64URL.toBuffer(jwk.y ?? '')],
      ]));
      const length = Buffer.alloc(2);
      length.writeUInt16BE(rawId.length);
      const attested = Buffer.concat([Buffer.alloc(16), length, rawId, Buffer.from(cose)]);
      const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData(0, attested)]]) as never);
      held.push({ id, counter: 0, privateKey });
      return {
        id, rawId: id, type: 'public-key', clientExtensionResults: {}, authenticatorAttachment: 'platform',
        response: {
          clientDataJSON: clientData(override.type ?? 'webauthn.create', override.challenge ?? creation.challenge, override.origin ?? options.origin),
          attestationObject: isoBase64URL.fromBuffer(attestationObject),
          transports: ['internal'],
        },
      };
    },

    authenticate(request: PublicKeyCredentialRequestOptionsJSON, override: { origin?: string; challenge?: string; credentialId?: string; counter?: number } = {}): AuthenticationResponseJSON {
      const allowed = request.allowCredentials?.map((credential) => credential.id);
      const credential = held.find((candidate) => (override.credentialId ? candidate.id === override.credentialId : !allowed || allowed.includes(candidate.id)));
      if (!credential) throw new Error('no credential of this authenticator is allowed');
      credential.counter = override.counter ?? credential.counter + step;
      const data = authData(credential.counter);
      const clientDataJSON = clientData('webauthn.get', override.challenge ?? request.challenge, override.origin ?? options.origin);
      const signature = sign('sha256', Buffer.concat([data, sha256(isoBase64URL.toBuffer(clientDataJSON))]), { key: credential.privateKey, dsaEncoding: 'der' });
      return {
        id: credential.id, rawId: credential.id, type: 'public-key', clientExtensionResults: {}, authenticatorAttachment: 'platform',
        response: { clientDataJSON, authenticatorData: isoBase64URL.fromBuffer(new Uint8Array(data)), signature: isoBase64URL.fromBuffer(new Uint8Array(signature)) },
      };
    },
  };
}
