/**
 * Authenticator-app codes (RFC 6238 through otpauth): SHA1, 6 digits, 30 s steps, ±1 step accepted, 160-bit
 * secrets. A code is accepted once: the accepted time step is recorded and only a later step passes again.
 */
import * as OTPAuth from 'otpauth';
import { AMR } from '../../../config/oidc.ts';
import type { SecondFactorModel } from '../../db/models/second-factor.ts';
import type { SecretBox } from '../secret-box.ts';
import { qrDataUrl } from './qr.ts';
import type { MethodFactor } from './types.ts';

export const TOTP = { algorithm: 'SHA1', digits: 6, period: 30, window: 1, secretBytes: 20 } as const;

export function generateTotpSecret(): string {
  return new OTPAuth.Secret({ size: TOTP.secretBytes }).base32;
}

/** The otpauth:// URI an authenticator app scans (issuer = organisation/platform name, label = e-mail). */
export function totpUri(secretBase32: string, issuer: string, label: string): string {
  return new OTPAuth.TOTP({ issuer, label, secret: OTPAuth.Secret.fromBase32(secretBase32), algorithm: TOTP.algorithm, digits: TOTP.digits, period: TOTP.period }).toString();
}

/** The key grouped in fours for typing by hand. */
export function formatTotpSecret(secretBase32: string): string {
  return secretBase32.replace(/(.{4})/g, '$1 ').trim();
}

/**
 * The time step a code belongs to (within ±1 step of `now`), or null. The caller must still refuse a step that is
 * not later than the last accepted one — atomically, see `verify` below.
 */
export function matchTotp(secretBase32: string, code: string, now: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secretBase32), algorithm: TOTP.algorithm, digits: TOTP.digits, period: TOTP.period });
  const delta = totp.validate({ token: code, timestamp: now.getTime(), window: TOTP.window });
  if (delta === null) return null;
  return Math.floor(now.getTime() / 1000 / TOTP.period) + delta;
}

/** The current code for a secret (tests and the benchmark compute codes the way an app does). */
export function currentTotp(secretBase32: string, now: Date): string {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secretBase32), algorithm: TOTP.algorithm, digits: TOTP.digits, period: TOTP.period }).generate({ timestamp: now.getTime() });
}

/** Its place in the registry (./index.ts). */
export const TOTP_FACTOR = { id: 'totp', amr: AMR.totp } as const;

export interface TotpFactorDeps {
  factors: SecondFactorModel;
  box: SecretBox;
  now: () => Date;
}

/** The authenticator app as a second factor. */
/** The sealing context of an account's TOTP secret (its factor and its set-up alike). */
export const totpSecretContext = (accountId: string): string => `totp:${accountId}`;

export function createTotpFactor(deps: TotpFactorDeps): MethodFactor {
  const { factors, box, now } = deps;
  const context = totpSecretContext;
  const open = (accountId: string, sealed: string | undefined): string => box.open(sealed ?? '', context(accountId)).toString('utf8');
  return {
    ...TOTP_FACTOR,
    name: 'method.totp',
    choice: 'enrol.method.totp',
    hint: 'enrol.method.totp.hint',
    available: true,
    describe: () => ({ codeIntro: 'code.intro.totp', status: 'account.twoFactor.onApp', codeHint: 'account.code.hint.totp', vars: {} }),
    async verify(accountId, factor, code) {
      if (!factor.totpSecret) return false;
      const step = matchTotp(open(accountId, factor.totpSecret), code, now());
      if (step === null) return false;
      // A code is accepted once: only a step later than the last accepted one passes (one conditional update).
      const updated = await factors.updateOne(
        { _id: accountId, method: TOTP_FACTOR.id, $or: [{ lastTotpStep: { $exists: false } }, { lastTotpStep: { $lt: step } }] },
        { $set: { lastTotpStep: step } },
      );
      return updated.modifiedCount === 1;
    },
    enrol: {
      fields: [],
      async start(accountId) {
        return { ok: true, data: { totpSecret: box.seal(Buffer.from(generateTotpSecret()), context(accountId)) } };
      },
      async page(accountId, data, labels) {
        const secret = open(accountId, data.totpSecret);
        return { view: 'factors/totp/enrol', locals: { secret: formatTotpSecret(secret), qr: await qrDataUrl(totpUri(secret, labels.issuer, labels.label)) } };
      },
      async complete(accountId, _enrolmentId, data, code) {
        const step = matchTotp(open(accountId, data.totpSecret), code, now());
        // The step of the first code counts as used: it cannot log in a second time.
        return step === null ? null : { totpSecret: data.totpSecret, lastTotpStep: step };
      },
    },
  };
}
