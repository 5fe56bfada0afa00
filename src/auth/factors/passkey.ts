/**
 * Passkeys (WebAuthn) as a second factor, through @simplewebauthn/server: the relying party is Poort itself (RP id
 * = the ISSUER's host, origin = its origin). A person holds up to MAX_PASSKEYS of them; only credential ids and
 * public keys are stored (src/db/models/second-factor.ts), never a secret. Every ceremony has its own single-use
 * challenge: a sign-in's lives in `webauthn_challenges` until the one delete that finds it, a set-up's in its
 * enrolment, which is claimed once. The amr is `hwk` for a key bound to one device and `swk` for a synced passkey
 * (RFC 8176), as the authenticator reports it.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import {
  generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse,
  type AuthenticationResponseJSON, type AuthenticatorTransport, type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL, isoUint8Array } from '@simplewebauthn/server/helpers';
import { z } from 'zod';
import { AMR } from '../../../config/oidc.ts';
import type { SecondFactor, SecondFactorModel, StoredPasskey } from '../../db/models/second-factor.ts';
import type { WebauthnChallengeModel } from '../../db/models/webauthn-challenge.ts';
import { purposeKey, type MethodFactor } from './types.ts';

/** Its place in the registry (./index.ts). */
export const PASSKEY = { id: 'passkey', amr: AMR.hardwareKey, amrs: [AMR.hardwareKey, AMR.softwareKey] } as const;

export const MAX_PASSKEYS = 10;
export const PASSKEY_NAME_MAX = 60;
/** How long a page's challenge may be answered, and how long the browser's prompt waits. */
export const CHALLENGE_TTL_SECONDS = 5 * 60;
const CEREMONY_TIMEOUT_MS = 2 * 60_000;
/** ES256 and RS256, the algorithms every authenticator offers. */
const ALGORITHMS = [-7, -257];
/** The WebAuthn browser library and the script that runs it on a form (assets/passkey.js; src/http/assets.ts). */
const SCRIPTS = ['/assets/simplewebauthn-browser.js', '/assets/passkey.js'] as const;

export interface RelyingParty {
  /** The RP id: the ISSUER's host name. */
  id: string;
  /** The ISSUER's origin: the only one an assertion may come from. */
  origin: string;
  /** Browsers take a domain name (or localhost) as RP id, never an IP address: then passkeys are not offered. */
  usable: boolean;
}

/** The relying party an ISSUER makes. */
export function relyingParty(issuer: string): RelyingParty {
  const url = new URL(issuer);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return { id: url.hostname, origin: url.origin, usable: isIP(host) === 0 };
}

export interface PasskeyFactorDeps {
  factors: SecondFactorModel;
  challenges: WebauthnChallengeModel;
  rp: RelyingParty;
  now: () => Date;
  /** A signature counter that did not grow: the key may have been cloned (the login is refused). */
  cloneSuspected(suspect: { accountId: string; organisationId: string; credentialId: string }): Promise<void>;
}

/** The browser's answer is JSON in the code field; anything else is a wrong code. */
const credentialJson = z.object({ id: z.string().min(1).max(1024), rawId: z.string(), type: z.literal('public-key'), response: z.object({}).loose() }).loose();

function parseResponse<T>(code: string): T | undefined {
  try {
    const parsed = credentialJson.safeParse(JSON.parse(code));
    return parsed.success ? parsed.data as T : undefined;
  } catch {
    return undefined;
  }
}

const amrOf = (deviceType: string): string => (deviceType === 'multiDevice' ? AMR.softwareKey : AMR.hardwareKey);
const passkeysOf = (factor: SecondFactor | null | undefined): StoredPasskey[] => (factor?.method === PASSKEY.id ? factor.passkeys ?? [] : []);
const transportsOf = (passkey: StoredPasskey): AuthenticatorTransport[] | undefined => passkey.transports as AuthenticatorTransport[] | undefined;

export function createPasskeyFactor(deps: PasskeyFactorDeps): MethodFactor {
  const { factors, challenges, rp, now } = deps;
  const enrolled = async (accountId: string): Promise<StoredPasskey[]> => passkeysOf(await factors.findById(accountId).lean<SecondFactor>().exec());

  return {
    ...PASSKEY,
    name: 'method.passkey',
    choice: 'enrol.method.passkey',
    hint: 'enrol.method.passkey.hint',
    available: rp.usable,
    describe: (factor) => ({
      codeIntro: 'code.intro.passkey',
      status: 'account.twoFactor.onPasskey',
      codeHint: 'account.code.hint.passkey',
      vars: { count: String(passkeysOf(factor).length) },
      codeView: 'factors/passkey/code',
      itemsTitle: 'account.passkeys.title',
      scripts: SCRIPTS,
    }),

    async prompt(accountId, factor, purpose) {
      const options = await generateAuthenticationOptions({
        rpID: rp.id,
        allowCredentials: passkeysOf(factor).map((passkey) => ({ id: passkey.id, transports: transportsOf(passkey) })),
        userVerification: 'preferred',
        timeout: CEREMONY_TIMEOUT_MS,
      });
      await challenges.create({ _id: options.challenge, accountId, purpose: purposeKey(purpose), expiresAt: new Date(now().getTime() + CHALLENGE_TTL_SECONDS * 1000) });
      return { promptData: JSON.stringify(options) };
    },

    async verify(accountId, factor, code, purpose) {
      const response = parseResponse<AuthenticationResponseJSON>(code);
      const passkey = passkeysOf(factor).find((candidate) => candidate.id === response?.id);
      if (!response || !passkey) return false;
      let info: Awaited<ReturnType<typeof verifyAuthenticationResponse>>['authenticationInfo'];
      try {
        const verified = await verifyAuthenticationResponse({
          response,
          // Single use: the challenge is consumed by the one delete that finds it (for this account and place, not
          // expired), so a replayed or twice-submitted assertion finds nothing.
          expectedChallenge: async (challenge) =>
            (await challenges.deleteOne({ _id: challenge, accountId, purpose: purposeKey(purpose), expiresAt: { $gt: now() } })).deletedCount === 1,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          credential: { id: passkey.id, publicKey: isoBase64URL.toBuffer(passkey.publicKey), counter: passkey.counter, transports: transportsOf(passkey) },
          requireUserVerification: false,
        });
        if (!verified.verified) return false;
        info = verified.authenticationInfo;
      } catch (error) {
        // The library refuses a counter that did not grow; it recommends treating that key as possibly cloned.
        if (error instanceof Error && /counter/i.test(error.message)) await deps.cloneSuspected({ accountId, organisationId: factor.organisationId, credentialId: passkey.id });
        return false;
      }
      // The counter moves from the value read to the new one in one conditional update (by its place in the list,
      // which must still hold this key): of two assertions raced with the same count, one is accepted.
      const at = `passkeys.${passkeysOf(factor).indexOf(passkey)}`;
      const updated = await factors.updateOne(
        { _id: accountId, method: PASSKEY.id, [`${at}.id`]: passkey.id, [`${at}.counter`]: passkey.counter },
        { $set: { [`${at}.counter`]: info.newCounter, [`${at}.lastUsedAt`]: now(), [`${at}.deviceType`]: info.credentialDeviceType, [`${at}.backedUp`]: info.credentialBackedUp } },
      );
      return updated.modifiedCount === 1 ? { amr: amrOf(info.credentialDeviceType) } : false;
    },

    items: {
      list: (factor) => passkeysOf(factor).map(({ id, name, createdAt, lastUsedAt }) => ({ id, name, createdAt, lastUsedAt })),
      async add(accountId, data) {
        const [passkey] = data.passkeys ?? [];
        if (!passkey) return false;
        // One update: not a key this account holds already, and not past MAX_PASSKEYS.
        const updated = await factors.updateOne(
          { _id: accountId, method: PASSKEY.id, 'passkeys.id': { $ne: passkey.id }, [`passkeys.${MAX_PASSKEYS - 1}`]: { $exists: false } },
          { $push: { passkeys: passkey } },
        );
        return updated.modifiedCount === 1;
      },
      async remove(accountId, itemId) {
        // One update that never removes the last passkey (that is switching two-step login off, or changing it).
        const updated = await factors.updateOne(
          { _id: accountId, method: PASSKEY.id, 'passkeys.id': itemId, 'passkeys.1': { $exists: true } },
          { $pull: { passkeys: { id: itemId } } },
        );
        return updated.modifiedCount === 1;
      },
    },

    enrol: {
      fields: [{ name: 'passkeyName', label: 'enrol.passkey.name', hint: 'enrol.passkey.name.hint', type: 'text', autocomplete: 'off', inputmode: 'text', maxlength: PASSKEY_NAME_MAX }],
      async start(accountId, _enrolmentId, input) {
        if ((await enrolled(accountId)).length >= MAX_PASSKEYS) return { ok: false, error: 'enrol.passkey.tooMany' };
        const name = (input.passkeyName ?? '').trim().slice(0, PASSKEY_NAME_MAX);
        return { ok: true, data: { webauthnChallenge: isoBase64URL.fromBuffer(randomBytes(32)), passkeyName: name } };
      },
      async page(accountId, data, labels) {
        const options = await generateRegistrationOptions({
          rpName: labels.issuer,
          rpID: rp.id,
          userName: labels.label,
          userID: isoUint8Array.fromUTF8String(accountId),
          challenge: isoBase64URL.toBuffer(data.webauthnChallenge ?? ''),
          attestationType: 'none',
          excludeCredentials: (await enrolled(accountId)).map((passkey) => ({ id: passkey.id, transports: transportsOf(passkey) })),
          authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
          supportedAlgorithmIDs: ALGORITHMS,
          timeout: CEREMONY_TIMEOUT_MS,
        });
        return { view: 'factors/passkey/enrol', locals: { passkeyOptions: JSON.stringify(options), scripts: SCRIPTS } };
      },
      async complete(_accountId, _enrolmentId, data, code) {
        const response = parseResponse<RegistrationResponseJSON>(code);
        if (!response || !data.webauthnChallenge) return null;
        try {
          // The set-up's challenge is single-use because the set-up itself is claimed once (src/auth/second-factors.ts).
          const { verified, registrationInfo } = await verifyRegistrationResponse({
            response, expectedChallenge: data.webauthnChallenge, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: false,
          });
          if (!verified) return null;
          const { credential, credentialDeviceType, credentialBackedUp } = registrationInfo;
          return {
            passkeys: [{
              id: credential.id,
              publicKey: isoBase64URL.fromBuffer(credential.publicKey),
              counter: credential.counter,
              ...(credential.transports?.length ? { transports: credential.transports } : {}),
              deviceType: credentialDeviceType,
              backedUp: credentialBackedUp,
              name: data.passkeyName ?? '',
              createdAt: now(),
            }],
          };
        } catch {
          return null;
        }
      },
      amr: (data) => amrOf(data.passkeys?.[0]?.deviceType ?? ''),
    },
  };
}
