/**
 * Server-side state of a browser interaction (with an expiry): the post/redirect/get message and the pending second
 * step. Keyed like the interaction itself, by the hash of its uid (storedId), so no stored key is a cookie value.
 */
import type { InteractionState, InteractionStateModel, Pending } from '../db/models/interaction-state.ts';
import { storedId } from '../db/oidc-storage.ts';

export type { Pending };

export type Flash = NonNullable<InteractionState['flash']>;

export interface InteractionStates {
  setFlash(uid: string, flash: Flash, ttlSeconds?: number): Promise<void>;
  /** Returns the message once and clears it (one atomic operation). */
  takeFlash(uid: string): Promise<Flash | undefined>;
  /** The account whose second factor is due in this interaction, if any. */
  pending(uid: string): Promise<Pending | undefined>;
  setPending(uid: string, pending: Pending, ttlSeconds?: number): Promise<void>;
  updatePending(uid: string, changes: Partial<Omit<Pending, 'accountId'>>): Promise<void>;
  /** Ends the pending state (after the login finished). */
  clearPending(uid: string): Promise<void>;
}

export function createInteractionStates(model: InteractionStateModel): InteractionStates {
  const key = (uid: string): string => storedId('Interaction', uid);
  return {
    async setFlash(uid, flash, ttlSeconds = 3600) {
      await model.updateOne({ _id: key(uid) }, { $set: { flash, expiresAt: new Date(Date.now() + ttlSeconds * 1000) } }, { upsert: true });
    },
    async takeFlash(uid) {
      const before = await model.findOneAndUpdate(
        { _id: key(uid), expiresAt: { $gt: new Date() }, flash: { $exists: true } },
        { $unset: { flash: 1 } },
      ).lean<InteractionState>().exec();
      return before?.flash ?? undefined;
    },
    async pending(uid) {
      const state = await model.findOne({ _id: key(uid), expiresAt: { $gt: new Date() } }, { pending: 1 }).lean<InteractionState>().exec();
      return state?.pending?.accountId ? state.pending : undefined;
    },
    async setPending(uid, pending, ttlSeconds = 3600) {
      await model.updateOne({ _id: key(uid) }, { $set: { pending, expiresAt: new Date(Date.now() + ttlSeconds * 1000) } }, { upsert: true });
    },
    async updatePending(uid, changes) {
      const set = Object.fromEntries(Object.entries(changes).map(([key, value]) => [`pending.${key}`, value]));
      const unset = Object.fromEntries(Object.entries(changes).filter(([, value]) => value === undefined).map(([key]) => [`pending.${key}`, 1]));
      for (const key of Object.keys(unset)) delete set[key];
      await model.updateOne({ _id: key(uid), 'pending.accountId': { $exists: true } }, { ...(Object.keys(set).length ? { $set: set } : {}), ...(Object.keys(unset).length ? { $unset: unset } : {}) });
    },
    async clearPending(uid) {
      await model.updateOne({ _id: key(uid) }, { $unset: { pending: 1 } });
    },
  };
}
