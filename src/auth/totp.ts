/**
 * Authenticator-app codes (RFC 6238 through otpauth): SHA1, 6 digits, 30 s steps, ±1 step accepted, 160-bit
 * secrets. A code is accepted once: the accepted time step is recorded and only a later step passes again.
 */
import * as OTPAuth from 'otpauth';

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
 * not later than the last accepted one — atomically, see second-factors.ts.
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
