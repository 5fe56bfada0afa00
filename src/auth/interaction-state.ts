/** Server-side state of a browser interaction (keyed by its uid, with an expiry): the post/redirect/get message. */
import type { InteractionState, InteractionStateModel } from '../db/models/interaction-state.ts';

export type Flash = NonNullable<InteractionState['flash']>;

export interface InteractionStates {
  setFlash(uid: string, flash: Flash, ttlSeconds?: number): Promise<void>;
  /** Returns the message once and clears it (one atomic operation). */
  takeFlash(uid: string): Promise<Flash | undefined>;
}

export function createInteractionStates(model: InteractionStateModel): InteractionStates {
  return {
    async setFlash(uid, flash, ttlSeconds = 3600) {
      await model.updateOne({ _id: uid }, { $set: { flash, expiresAt: new Date(Date.now() + ttlSeconds * 1000) } }, { upsert: true });
    },
    async takeFlash(uid) {
      const before = await model.findOneAndUpdate(
        { _id: uid, expiresAt: { $gt: new Date() }, flash: { $exists: true } },
        { $unset: { flash: 1 } },
      ).lean<InteractionState>().exec();
      return before?.flash ?? undefined;
    },
  };
}
