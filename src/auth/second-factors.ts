/**
 * The second factors of an account, behind one service: flows ask it to challenge, verify, enrol, and remove, and
 * never name a concrete factor's internals. Factors: authenticator app (`totp`), SMS code (`sms`), and the recovery
 * codes (`recovery`) that stand in for either. Every code attempt is throttled per account and factor (growing
 * delays, locked after LOCK_AFTER consecutive failures) and per IP.
 */
import { randomUUID } from 'node:crypto';
import { AMR } from '../../config/oidc.ts';
import type { EnrolmentModel } from '../db/models/enrolment.ts';
import type { SecondFactorMethod } from '../db/models/organisation.ts';
import type { SecondFactor, SecondFactorModel } from '../db/models/second-factor.ts';
import { maskPhone } from './phone.ts';
import type { RecoveryCodes } from './recovery-codes.ts';
import type { SecretBox } from './secret-box.ts';
import type { SmsCodes } from './sms-code.ts';
import type { Throttle } from './throttle.ts';
import { formatTotpSecret, generateTotpSecret, matchTotp, totpUri } from './totp.ts';

/** Consecutive wrong codes after which a factor is locked for 24 h (or until a manager resets 2FA). */
export const LOCK_AFTER = 10;
/** How long a started set-up waits for its first code. */
export const ENROLMENT_TTL_SECONDS = 15 * 60;

export type CodeKind = SecondFactorMethod | 'recovery';
export type Failure = { ok: false; reason: 'invalid' | 'throttled' | 'locked' };
export type VerifyResult = { ok: true; amr: string; recoveryRemaining?: number } | Failure;

export interface EnrolmentView {
  enrolmentId: string;
  method: SecondFactorMethod;
  /** totp: the otpauth URI for the QR code and the key for typing. */
  uri?: string;
  secret?: string;
  /** sms: the number the code went to, masked. */
  phoneMasked?: string;
}

export type SendOutcome = 'sent' | 'throttled' | 'failed';

export interface SendCode {
  /** 'failed': the SMS gateway did not take the message (logged); the person may try again. */
  (accountId: string, phone: string, purpose: string): Promise<SendOutcome>;
}

export interface SecondFactorsDeps {
  factors: SecondFactorModel;
  enrolments: EnrolmentModel;
  recovery: RecoveryCodes;
  sms: SmsCodes;
  /** Sends an SMS code (rendered in the person's language by the caller's notifier). */
  sendCode: SendCode;
  box: SecretBox;
  throttle: Throttle;
  now: () => Date;
}

const sealContext = (accountId: string): string => `totp:${accountId}`;

export function createSecondFactors(deps: SecondFactorsDeps) {
  const { factors, enrolments, recovery, sms, box, throttle, now } = deps;
  const openSecret = (accountId: string, sealed: string): string => box.open(sealed, sealContext(accountId)).toString('utf8');

  async function throttled(accountId: string, kind: CodeKind, ip: string, check: () => Promise<VerifyResult>): Promise<VerifyResult> {
    const key = `${accountId}:${kind === 'recovery' ? 'recovery' : 'code'}`;
    const verdict = await throttle.begin(key, ip);
    // A locked factor's answer counts against the IP like the wrong code it looks like.
    if (verdict === 'locked') await throttle.failed(key, ip);
    if (verdict !== 'allowed') return { ok: false, reason: verdict };
    const result = await check();
    if (result.ok) await throttle.succeeded(key);
    else await throttle.failed(key, ip);
    return result;
  }

  /** A TOTP code for `secret`, accepted once: the step must be later than the last accepted one (one update). */
  async function acceptTotp(accountId: string, secret: string, code: string): Promise<boolean> {
    const step = matchTotp(secret, code, now());
    if (step === null) return false;
    const updated = await factors.updateOne(
      { _id: accountId, method: 'totp', $or: [{ lastTotpStep: { $exists: false } }, { lastTotpStep: { $lt: step } }] },
      { $set: { lastTotpStep: step } },
    );
    return updated.modifiedCount === 1;
  }

  return {
    get: async (accountId: string): Promise<SecondFactor | undefined> => (await factors.findById(accountId).lean<SecondFactor>().exec()) ?? undefined,

    async status(accountId: string) {
      const factor = await factors.findById(accountId).lean<SecondFactor>().exec();
      return {
        method: factor?.method,
        phoneMasked: factor?.phone ? maskPhone(factor.phone) : undefined,
        codeValidity: factor?.codeValidity,
        recoveryRemaining: factor ? await recovery.remaining(accountId) : 0,
      };
    },

    /** Sends a code when the account's factor is SMS; an app needs nothing. */
    async challenge(accountId: string, purpose: string): Promise<SendOutcome | 'none'> {
      const factor = await factors.findById(accountId).lean<SecondFactor>().exec();
      if (factor?.method !== 'sms' || !factor.phone) return 'none';
      return deps.sendCode(accountId, factor.phone, purpose);
    },

    /** Checks a code of the account's factor (`code`) or a recovery code, for `purpose` (SMS codes are bound to it). */
    async verify(accountId: string, kind: 'code' | 'recovery', input: string, ip: string, purpose: string): Promise<VerifyResult> {
      const factor = await factors.findById(accountId).lean<SecondFactor>().exec();
      if (!factor) return { ok: false, reason: 'invalid' };
      if (kind === 'recovery') {
        return throttled(accountId, 'recovery', ip, async () => {
          const remaining = await recovery.use(accountId, input);
          return remaining === null ? { ok: false, reason: 'invalid' } : { ok: true, amr: AMR.recovery, recoveryRemaining: remaining };
        });
      }
      return throttled(accountId, factor.method, ip, async () => {
        const code = input.replace(/\s/g, '');
        const ok = factor.method === 'totp'
          ? Boolean(factor.totpSecret) && await acceptTotp(accountId, openSecret(accountId, factor.totpSecret ?? ''), code)
          : await sms.verify(accountId, purpose, code);
        return ok ? { ok: true, amr: factor.method === 'totp' ? AMR.totp : AMR.sms } : { ok: false, reason: 'invalid' };
      });
    },

    /** Starts setting up a factor (a new one, or replacing the current one): nothing changes until the code is right. */
    async startEnrolment(accountId: string, method: SecondFactorMethod, opts: { phone?: string; issuer: string; label: string }): Promise<EnrolmentView | 'throttled' | 'failed'> {
      const enrolmentId = randomUUID();
      const expiresAt = new Date(now().getTime() + ENROLMENT_TTL_SECONDS * 1000);
      if (method === 'totp') {
        const secret = generateTotpSecret();
        await enrolments.create({ _id: enrolmentId, accountId, method, totpSecret: box.seal(Buffer.from(secret), sealContext(accountId)), expiresAt });
        return { enrolmentId, method, uri: totpUri(secret, opts.issuer, opts.label), secret: formatTotpSecret(secret) };
      }
      if (!opts.phone) throw new Error('an SMS factor needs a phone number');
      const sent = await deps.sendCode(accountId, opts.phone, `enrol:${enrolmentId}`);
      if (sent !== 'sent') return sent;
      await enrolments.create({ _id: enrolmentId, accountId, method, phone: opts.phone, expiresAt });
      return { enrolmentId, method, phoneMasked: maskPhone(opts.phone) };
    },

    /** The set-up page again (after a redirect): the QR/key or the masked number. */
    async enrolmentView(accountId: string, enrolmentId: string, opts: { issuer: string; label: string }): Promise<EnrolmentView | undefined> {
      const pending = await enrolments.findOne({ _id: enrolmentId, accountId, expiresAt: { $gt: now() } }).lean().exec();
      if (!pending) return undefined;
      if (pending.method === 'totp' && pending.totpSecret) {
        const secret = openSecret(accountId, pending.totpSecret);
        return { enrolmentId, method: 'totp', uri: totpUri(secret, opts.issuer, opts.label), secret: formatTotpSecret(secret) };
      }
      return { enrolmentId, method: 'sms', phoneMasked: pending.phone ? maskPhone(pending.phone) : undefined };
    },

    /**
     * Finishes a set-up with its first code. Returns the new recovery codes when the account had none (first
     * set-up), an empty list when it keeps its codes (method changed), or a failure.
     */
    async completeEnrolment(accountId: string, organisationId: string, enrolmentId: string, input: string, ip: string): Promise<{ ok: true; recoveryCodes: string[]; method: SecondFactorMethod } | Failure> {
      const pending = await enrolments.findOne({ _id: enrolmentId, accountId, expiresAt: { $gt: now() } }).lean().exec();
      if (!pending) return { ok: false, reason: 'invalid' };
      const code = input.replace(/\s/g, '');
      const result = await throttled(accountId, pending.method, ip, async () => {
        const ok = pending.method === 'totp'
          ? matchTotp(openSecret(accountId, pending.totpSecret ?? ''), code, now()) !== null
          : await sms.verify(accountId, `enrol:${enrolmentId}`, code);
        return ok ? { ok: true, amr: pending.method === 'totp' ? AMR.totp : AMR.sms } : { ok: false, reason: 'invalid' };
      });
      if (!result.ok) return result;
      // Claim the set-up once (a double submit must not enrol twice), then make it the account's factor.
      const claimed = await enrolments.findOneAndDelete({ _id: enrolmentId, accountId }).lean().exec();
      if (!claimed) return { ok: false, reason: 'invalid' };
      const step = pending.method === 'totp' ? matchTotp(openSecret(accountId, pending.totpSecret ?? ''), code, now()) : null;
      const previous = await factors.findById(accountId, { codeValidity: 1 }).lean().exec();
      await factors.replaceOne(
        { _id: accountId },
        {
          _id: accountId, organisationId, method: pending.method, enabledAt: now(),
          ...(pending.totpSecret ? { totpSecret: pending.totpSecret } : {}),
          ...(step !== null ? { lastTotpStep: step } : {}),
          ...(pending.phone ? { phone: pending.phone } : {}),
          ...(previous?.codeValidity ? { codeValidity: previous.codeValidity } : {}),
        },
        { upsert: true },
      );
      const recoveryCodes = (await recovery.remaining(accountId)) > 0 ? [] : await recovery.regenerate(accountId);
      return { ok: true, recoveryCodes, method: pending.method };
    },

    regenerateRecoveryCodes: (accountId: string): Promise<string[]> => recovery.regenerate(accountId),

    async setCodeValidity(accountId: string, seconds: number): Promise<void> {
      await factors.updateOne({ _id: accountId }, { $set: { codeValidity: seconds } });
    },

    /** Removes the factor, its recovery codes, pending set-ups and its throttling state (disable, or a reset). */
    async remove(accountId: string): Promise<void> {
      await factors.deleteOne({ _id: accountId });
      await Promise.all([
        recovery.remove(accountId),
        enrolments.deleteMany({ accountId }),
        throttle.clear(`${accountId}:code`),
        throttle.clear(`${accountId}:recovery`),
      ]);
    },
  };
}

export type SecondFactors = ReturnType<typeof createSecondFactors>;
