/**
 * State of the account security page per browser session (keyed by oidc-provider's session uid, bound to the
 * account, with an expiry): the post/redirect/get message, the set-up in progress, and new recovery codes waiting to
 * be shown once — sealed, so the database never holds them in the clear.
 */
import type { AccountFlow, AccountFlowModel } from '../db/models/account-flow.ts';
import { ENROLMENT_TTL_SECONDS } from './second-factors.ts';
import type { SecretBox } from './secret-box.ts';

export type AccountFlash = NonNullable<AccountFlow['flash']>;
export type FlowEnrolment = NonNullable<AccountFlow['enrolment']>;

export interface AccountFlows {
  get(uid: string, accountId: string): Promise<AccountFlow | undefined>;
  /** Changes fields of the state (`undefined` removes one); starts afresh when the session changed account. */
  update(uid: string, accountId: string, changes: Partial<Pick<AccountFlow, 'flash' | 'enrolment' | 'codeSent'>>): Promise<void>;
  /** Returns the message once and clears it (one atomic operation). */
  takeFlash(uid: string, accountId: string): Promise<AccountFlash | undefined>;
  /** Keeps new recovery codes (sealed) until the person confirms they stored them. */
  keepCodes(uid: string, accountId: string, codes: string[], step: string): Promise<void>;
  /** The codes kept by `step`, if any. */
  codes(uid: string, accountId: string, step: string): Promise<string[] | undefined>;
  /** Forgets the codes and any set-up (after "I have stored my codes"). */
  finish(uid: string, accountId: string): Promise<void>;
}

/** The sealing context of the recovery codes a session's account page keeps until they are shown. */
export const accountCodesContext = (uid: string, accountId: string): string => `account-codes:${uid}:${accountId}`;

export function createAccountFlows(model: AccountFlowModel, box: SecretBox, now: () => Date): AccountFlows {
  const expiry = (): Date => new Date(now().getTime() + ENROLMENT_TTL_SECONDS * 1000);
  const live = (uid: string, accountId: string) => ({ _id: uid, accountId, expiresAt: { $gt: now() } });
  const context = accountCodesContext;

  async function write(uid: string, accountId: string, set: Record<string, unknown>, unset: Record<string, 1>): Promise<void> {
    // Another account on this browser session, or an expired state: nothing of it carries over.
    await model.deleteOne({ _id: uid, $or: [{ accountId: { $ne: accountId } }, { expiresAt: { $lte: now() } }] });
    await model.updateOne(
      { _id: uid },
      { $set: { ...set, accountId, expiresAt: expiry() }, ...(Object.keys(unset).length ? { $unset: unset } : {}) },
      { upsert: true },
    );
  }

  return {
    async get(uid, accountId) {
      return (await model.findOne(live(uid, accountId)).lean<AccountFlow>().exec()) ?? undefined;
    },
    async update(uid, accountId, changes) {
      const set: Record<string, unknown> = {};
      const unset: Record<string, 1> = {};
      for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) unset[key] = 1;
        else set[key] = value;
      }
      await write(uid, accountId, set, unset);
    },
    async takeFlash(uid, accountId) {
      const before = await model.findOneAndUpdate({ ...live(uid, accountId), flash: { $exists: true } }, { $unset: { flash: 1 } }).lean<AccountFlow>().exec();
      return before?.flash ?? undefined;
    },
    async keepCodes(uid, accountId, codes, step) {
      const sealed = box.seal(Buffer.from(JSON.stringify(codes)), context(uid, accountId));
      await write(uid, accountId, { recoveryCodes: { sealed, step } }, { enrolment: 1 });
    },
    async codes(uid, accountId, step) {
      const flow = await model.findOne(live(uid, accountId), { recoveryCodes: 1 }).lean<AccountFlow>().exec();
      if (!flow?.recoveryCodes?.sealed || flow.recoveryCodes.step !== step) return undefined;
      return JSON.parse(box.open(flow.recoveryCodes.sealed, context(uid, accountId)).toString('utf8')) as string[];
    },
    async finish(uid, accountId) {
      await model.updateOne({ _id: uid, accountId }, { $unset: { recoveryCodes: 1, enrolment: 1 } });
    },
  };
}
