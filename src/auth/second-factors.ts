/**
 * The second factors of an account, behind one service: flows ask it to describe, challenge, verify, enrol and
 * remove, and it asks the factor registry (./factors/index.ts) — nothing here or in the flows names a method. An
 * account has at most one method (its SecondFactor document; a method may hold several items, like passkeys) and a
 * set of recovery codes, which stand in for it.
 * Every code attempt is throttled per account (codes and recovery codes apart) and per IP: growing delays, and a
 * lock after LOCK_AFTER consecutive failures that answers like a wrong code.
 */
import { randomUUID } from 'node:crypto';
import type { EnrolmentModel } from '../db/models/enrolment.ts';
import type { ReadCache } from '../db/read-cache.ts';
import type { SecondFactor, SecondFactorModel } from '../db/models/second-factor.ts';
import type { MessageKey } from '../i18n/index.ts';
import {
  RECOVERY_CODE, type AccountLabels, type FactorData, type FactorDescription, type FactorItem, type FactorRegistry, type MethodFactor, type Purpose, type SendOutcome,
} from './factors/index.ts';
import type { RecoveryCodes } from './factors/recovery-code.ts';
import type { Recorder } from '../metrics/recorder.ts';
import type { Throttle } from './throttle.ts';

/** Consecutive wrong codes after which a factor is locked for 24 h (or until a manager resets 2FA). */
export const LOCK_AFTER = 10;
/** How long a started set-up waits for its first code. */
export const ENROLMENT_TTL_SECONDS = 15 * 60;

/** Which code a form carries: the account's method's code, or one of its recovery codes. */
export type CodeKind = 'code' | 'recovery';
/**
 * Which code one field holds where a form asks "a code, or a recovery code": six digits, or a prompted factor's
 * answer (a JSON object, e.g. a passkey's), are the method's code; anything else is a recovery code.
 */
export function codeKindOf(input: string): CodeKind {
  const code = input.trim();
  return /^\d{6}$/.test(code.replace(/\s/g, '')) || code.startsWith('{') ? 'code' : 'recovery';
}

export type Failure = { ok: false; reason: 'invalid' | 'throttled' | 'locked' };
export type VerifyResult = { ok: true; amr: string; recoveryRemaining?: number } | Failure;

export interface FactorStatus {
  /** The enrolled method's id (undefined: none). */
  method?: string;
  /** How pages speak of it. */
  description?: FactorDescription;
  /** Its code is sent (the code page offers "send a new code"). */
  sendsCode: boolean;
  /** Its proof is not typed: its own page is prepared each time it is shown (`prompt`). */
  prompted: boolean;
  /** What the method holds, where it holds several (passkeys). */
  items?: FactorItem[];
  codeValidity?: number;
}

/** A completed set-up: the method, the amr its first proof carried, and whether it added an item to the method held. */
export interface Enrolled {
  ok: true;
  method: string;
  amr: string;
  /** New recovery codes (a first set-up), or none (the account keeps its codes). */
  recoveryCodes: string[];
  /** Another item of the method the account has (a second passkey), not a new method. */
  added: boolean;
}

export type StartOutcome = { ok: true; enrolmentId: string } | { ok: false; error: MessageKey };

export interface SecondFactorsDeps {
  factors: SecondFactorModel;
  enrolments: EnrolmentModel;
  registry: FactorRegistry;
  recovery: RecoveryCodes;
  throttle: Throttle;
  now: () => Date;
  cache: ReadCache;
  /** Counts code checks and set-ups by factor id, and logins refused by a locked factor (no-op when metrics are off). */
  metrics: Pick<Recorder, 'secondFactorCheck' | 'enrolment' | 'login'>;
}

const SEND_PROBLEMS: Record<Exclude<SendOutcome, 'sent'>, MessageKey> = { throttled: 'code.resendThrottled', failed: 'code.sendFailed' };

export function createSecondFactors(deps: SecondFactorsDeps) {
  const { factors, enrolments, registry, recovery, throttle, now, cache, metrics } = deps;
  const key = (accountId: string): string => `SecondFactor:${accountId}`;
  const load = (accountId: string): Promise<SecondFactor | undefined> =>
    cache.read(key(accountId), async () => (await factors.findById(accountId).lean<SecondFactor>().exec()) ?? undefined);

  async function throttled(accountId: string, kind: CodeKind, ip: string, check: () => Promise<VerifyResult>): Promise<VerifyResult> {
    const key = `${accountId}:${kind}`;
    const verdict = await throttle.begin(key, ip);
    // A locked factor's answer counts against the IP like the wrong code it looks like.
    if (verdict === 'locked') await throttle.failed(key, ip);
    if (verdict !== 'allowed') return { ok: false, reason: verdict };
    const result = await check();
    if (result.ok) await throttle.succeeded(key);
    else await throttle.failed(key, ip);
    return result;
  }

  const live = (accountId: string, enrolmentId: string) => enrolments.findOne({ _id: enrolmentId, accountId, expiresAt: { $gt: now() } }).lean().exec();

  return {
    get: load,

    async status(accountId: string): Promise<FactorStatus> {
      const factor = await load(accountId);
      const method = registry.method(factor?.method);
      return {
        method: factor?.method,
        description: factor && method ? method.describe(factor) : undefined,
        sendsCode: Boolean(method?.challenge),
        prompted: Boolean(method?.prompt),
        items: factor && method?.items ? method.items.list(factor) : undefined,
        codeValidity: factor?.codeValidity,
      };
    },

    /**
     * The enrolled method of each of these accounts that has one (accounts without a factor are absent): one read
     * for a whole list, e.g. a page of the admin API's accounts.
     */
    async enrolledMethods(accountIds: readonly string[]): Promise<Map<string, string>> {
      if (accountIds.length === 0) return new Map();
      const found = await factors.find({ _id: { $in: [...accountIds] } }, { method: 1 }).lean<Array<Pick<SecondFactor, '_id' | 'method'>>>().exec();
      return new Map(found.map((factor) => [factor._id, factor.method]));
    },

    /** How many unused recovery codes the account has (none without a factor: they stand in for it). */
    async recoveryRemaining(accountId: string): Promise<number> {
      return (await load(accountId)) ? recovery.remaining(accountId) : 0;
    },

    /** A method's name in the catalogue (for notices and lists), by id. */
    nameOf: (methodId: string | undefined): MessageKey | undefined => registry.method(methodId)?.name,

    /** The methods a person may set up: allowed by the organisation and offered by this server, in registry order. */
    offered(allowedMethods: readonly string[]): MethodFactor[] {
      return registry.methods.filter((method) => method.available && allowedMethods.includes(method.id));
    },

    /** Sends a code where the account's method sends one; 'none' where the person reads it off a device. */
    async challenge(accountId: string, purpose: Purpose): Promise<SendOutcome | 'none'> {
      const factor = await load(accountId);
      const method = registry.method(factor?.method);
      if (!factor || !method?.challenge) return 'none';
      return method.challenge(accountId, factor, purpose);
    },

    /** What the method's own page needs for `purpose`, made afresh (a passkey's challenge); nothing for a typed code. */
    async prompt(accountId: string, purpose: Purpose): Promise<Record<string, unknown>> {
      const factor = await load(accountId);
      const method = registry.method(factor?.method);
      return factor && method?.prompt ? method.prompt(accountId, factor, purpose) : {};
    },

    /** Checks a code of the account's method (`code`) or a recovery code, for `purpose` (a sent code is bound to it). */
    async verify(accountId: string, kind: CodeKind, input: string, ip: string, purpose: Purpose): Promise<VerifyResult> {
      const factor = await load(accountId);
      const method = registry.method(factor?.method);
      if (!factor || !method) return { ok: false, reason: 'invalid' };
      const result = kind === 'recovery'
        ? await throttled(accountId, 'recovery', ip, async () => {
          const remaining = await recovery.use(accountId, input);
          return remaining === null ? { ok: false, reason: 'invalid' } : { ok: true, amr: RECOVERY_CODE.amr, recoveryRemaining: remaining };
        })
        : await throttled(accountId, 'code', ip, async () => {
          // A typed code is read without its spaces; a prompted factor's proof (JSON) as it came.
          const proof = await method.verify(accountId, factor, method.prompt ? input : input.replace(/\s/g, ''), purpose);
          // A factor may have recorded the code as used (e.g. its time step) in the document this request has read.
          cache.forget(key(accountId));
          if (!proof) return { ok: false, reason: 'invalid' };
          return { ok: true, amr: proof === true ? method.amr : proof.amr };
        });
      metrics.secondFactorCheck(kind === 'recovery' ? RECOVERY_CODE.id : method.id, result.ok ? 'success' : result.reason);
      if (!result.ok && result.reason === 'locked' && purpose.kind === 'login') metrics.login('locked');
      return result;
    },

    /** Starts setting up a method (a first one, or replacing the current one): nothing changes until the code is right. */
    async startEnrolment(accountId: string, methodId: string, input: Readonly<Record<string, string | undefined>>): Promise<StartOutcome> {
      const method = registry.method(methodId);
      if (!method) return { ok: false, error: 'enrol.chooseMethod' };
      const enrolmentId = randomUUID();
      const started = await method.enrol.start(accountId, enrolmentId, input);
      if (!started.ok) return { ok: false, error: started.error === 'throttled' || started.error === 'failed' ? SEND_PROBLEMS[started.error] : started.error };
      await enrolments.create({ _id: enrolmentId, accountId, method: method.id, ...started.data, expiresAt: new Date(now().getTime() + ENROLMENT_TTL_SECONDS * 1000) });
      metrics.enrolment(method.id, 'started');
      return { ok: true, enrolmentId };
    },

    /** The set-up page of a started set-up (QR code and key, or where the code went), or undefined when it is gone. */
    async enrolmentPage(accountId: string, enrolmentId: string, labels: AccountLabels): Promise<{ method: string; view: string; locals: Record<string, unknown> } | undefined> {
      const pending = await live(accountId, enrolmentId);
      const method = registry.method(pending?.method);
      if (!pending || !method) return undefined;
      return { method: method.id, ...(await method.enrol.page(accountId, pending, labels)) };
    },

    /**
     * Finishes a set-up with its first code. Returns the new recovery codes when the account had none (first
     * set-up), an empty list when it keeps its codes (method changed), or a failure.
     */
    async completeEnrolment(accountId: string, organisationId: string, enrolmentId: string, input: string, ip: string): Promise<Enrolled | Failure> {
      const pending = await live(accountId, enrolmentId);
      const method = registry.method(pending?.method);
      if (!pending || !method) return { ok: false, reason: 'invalid' };
      const proven: { data?: FactorData } = {};
      const result = await throttled(accountId, 'code', ip, async () => {
        proven.data = (await method.enrol.complete(accountId, enrolmentId, pending, method.prompt ? input : input.replace(/\s/g, ''))) ?? undefined;
        return proven.data ? { ok: true, amr: method.enrol.amr?.(proven.data) ?? method.amr } : { ok: false, reason: 'invalid' };
      });
      if (!result.ok) {
        metrics.enrolment(method.id, 'refused');
        return result;
      }
      // Claim the set-up once (a double submit must not enrol twice), then make it the account's factor.
      const claimed = await enrolments.findOneAndDelete({ _id: enrolmentId, accountId }).lean().exec();
      if (!claimed) return { ok: false, reason: 'invalid' };
      const previous = await load(accountId);
      cache.forget(key(accountId));
      const data = proven.data ?? {};
      // Another item of the method the account has (a second passkey) is added to it; anything else replaces it.
      const added = previous?.method === method.id && method.items !== undefined;
      if (added) {
        if (!(await method.items!.add(accountId, data))) return { ok: false, reason: 'invalid' };
      } else {
        await factors.replaceOne(
          { _id: accountId },
          { _id: accountId, organisationId, method: method.id, enabledAt: now(), ...data, ...(previous?.codeValidity ? { codeValidity: previous.codeValidity } : {}) },
          { upsert: true },
        );
      }
      const recoveryCodes = (await recovery.remaining(accountId)) > 0 ? [] : await recovery.regenerate(accountId);
      metrics.enrolment(method.id, 'completed');
      return { ok: true, recoveryCodes, method: method.id, amr: result.amr, added };
    },

    /**
     * Removes one item of the account's method (a passkey), never the last: false when there is no such item or it
     * is the last (removing that is switching two-step login off, or changing the method).
     */
    async removeItem(accountId: string, itemId: string): Promise<boolean> {
      const factor = await load(accountId);
      const method = registry.method(factor?.method);
      if (!method?.items) return false;
      cache.forget(key(accountId));
      return method.items.remove(accountId, itemId);
    },

    regenerateRecoveryCodes: (accountId: string): Promise<string[]> => recovery.regenerate(accountId),

    async setCodeValidity(accountId: string, seconds: number): Promise<void> {
      cache.forget(key(accountId));
      await factors.updateOne({ _id: accountId }, { $set: { codeValidity: seconds } });
    },

    /**
     * Removes the factor (passkeys included), its recovery codes, pending set-ups and its throttling state (disable,
     * or a reset). True for the one call that removed the factor: the
     * delete itself decides, so of parallel removals (resets) exactly one reports that there was a factor.
     */
    async remove(accountId: string): Promise<boolean> {
      cache.forget(key(accountId));
      const { deletedCount } = await factors.deleteOne({ _id: accountId });
      await Promise.all([
        recovery.remove(accountId),
        enrolments.deleteMany({ accountId }),
        throttle.clear(`${accountId}:code`),
        throttle.clear(`${accountId}:recovery`),
      ]);
      return deletedCount === 1;
    },
  };
}

export type SecondFactors = ReturnType<typeof createSecondFactors>;
